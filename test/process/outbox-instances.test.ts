import { describe, expect, it } from 'vitest';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import {
  type ServerProcess,
  serverEnv,
  signedIn,
  startServerProcesses,
} from '../helpers/server-process.js';
import { signatureValid, startWebhookReceiver } from '../helpers/webhook-receiver.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };

// Two instances run the jobs every second on one database: each claims deliveries with FOR
// UPDATE SKIP LOCKED, so a receiver hears of each event once, however the claims interleave.
describe.skipIf(!testDatabaseUrl)(
  'the outbox on two server processes, one PostgreSQL database',
  () => {
    it('delivers each event exactly once to a receiver that answers 2xx, and retries a failing one with one webhook-id', async () => {
      const database = await freshDatabaseUrl('postgres');
      const receiver = await startWebhookReceiver();
      const failing = await startWebhookReceiver();
      const env = {
        ...serverEnv(database.url, admin),
        ORGTOKEN_WEBHOOK_ALLOW_INSECURE: 'true',
        ORGTOKEN_JOBS_INTERVAL_SECONDS: '1',
        ORGTOKEN_WEBHOOK_RETRY_SECONDS: '1,1,1',
      };
      const [a, b] = (await startServerProcesses(2, env)) as [ServerProcess, ServerProcess];
      try {
        const onA = await signedIn(a.url, admin);
        const onB = onA.on(b.url);
        await onA.call('POST', '/api/v1/orgs', { key: 'shared', name: 'Shared', plan: 'team' });
        const hook = await onA.call('POST', '/api/v1/orgs/shared/webhooks', {
          url: receiver.url,
          events: ['token.rotated', 'token.revoked'],
        });
        expect(hook.status).toBe(201);
        const secret = hook.body.secret as string;

        // 40 tokens, rotated and revoked through both instances: 80 events.
        const events = 40;
        for (let i = 0; i < events / 2; i++) {
          const via = i % 2 === 0 ? onA : onB;
          const created = await via.call('POST', '/api/v1/orgs/shared/tokens', {
            name: `ci-${i}`,
            permissions: ['analysis:execute'],
            projects: { mode: 'all' },
            expiresAt: null,
          });
          expect(created.status).toBe(201);
          const id = created.body.id as string;
          expect(
            (await via.call('POST', `/api/v1/orgs/shared/tokens/${id}/rotate`, {})).status,
          ).toBe(200);
          expect((await via.call('DELETE', `/api/v1/orgs/shared/tokens/${id}`)).status).toBe(200);
        }
        await receiver.waitFor(events, 30_000);
        // Time for a duplicate to arrive, if one were coming: several job runs of both.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const ids = receiver.received.map((r) => r.id);
        expect(ids).toHaveLength(events);
        expect(new Set(ids).size).toBe(events);
        expect(receiver.received.every((r) => signatureValid(secret, r))).toBe(true);

        failing.answerWith([500, 500]);
        const flaky = await onB.call('POST', '/api/v1/orgs/shared/webhooks', {
          url: failing.url,
          events: ['token.revoked'],
        });
        const created = await onA.call('POST', '/api/v1/orgs/shared/tokens', {
          name: 'flaky',
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
          expiresAt: null,
        });
        await onB.call('DELETE', `/api/v1/orgs/shared/tokens/${created.body.id}`);
        await failing.waitFor(3, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        expect(failing.received).toHaveLength(3);
        expect(new Set(failing.received.map((r) => r.id)).size).toBe(1);
        const deliveries = await onA.call(
          'GET',
          `/api/v1/orgs/shared/webhooks/${flaky.body.id}/deliveries`,
        );
        expect(deliveries.body.items?.[0]).toMatchObject({ status: 'delivered', attempts: 3 });
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await receiver.close();
        await failing.close();
        await database.drop();
      }
    }, 120_000);
  },
);
