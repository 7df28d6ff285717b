import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/runtime/mailer.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js';
import { createOrgToken, daysFromNow, withToken } from '../helpers/tokens.js';
import {
  type ReceivedWebhook,
  signatureValid,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.js';

const dayMs = 24 * 3600 * 1000;

describeEachEngine('notifications: scans, outbox, webhooks and email', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let smtp: SmtpSink;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(engine, {
      sessionSeconds: 3 * 365 * 24 * 3600,
      notifications: {
        mailer: createMailer({ url: smtp.url, from: 'orgtoken@example.test', timeoutMs: 5000 }),
        allowInsecureWebhooks: true,
        retrySchedule: [1, 1, 1],
      },
    });
    root = await t.newSession({ instanceAdmin: true });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  /** A team organization with its own admin and a webhook for every event. */
  async function orgWithWebhook(events: string[] = ['*']) {
    const admin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const created = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/webhooks`,
      payload: { url: receiver.url, events, description: 'CI alerts' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { secret, id } = created.json() as { secret: string; id: string };
    return { admin, org, receiver, secret, webhookId: id };
  }

  /** Runs the jobs `times` times: scans and delivery, as each instance does every interval. */
  async function runJobs(times = 1) {
    for (let i = 0; i < times; i++) await t.app.runtime.jobs.runOnce();
  }

  const ofToken = (hooks: ReceivedWebhook[], tokenId: string) =>
    hooks.filter((h) => (h.event.data.token as { id?: string } | undefined)?.id === tokenId);
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email));

  it('sends one token.expiring per threshold crossed (30, 7, 1 days) and one token.expired, over many scans', async () => {
    const { admin, org, receiver, secret } = await orgWithWebhook();
    const token = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 40) });
    await runJobs(3);
    expect(ofToken(receiver.received, token.id)).toEqual([]);

    const expected: Array<[number, string, number | undefined]> = [
      [10 * dayMs + 60_000, 'token.expiring', 30],
      [23 * dayMs, 'token.expiring', 7],
      [6 * dayMs, 'token.expiring', 1],
      [dayMs, 'token.expired', undefined],
    ];
    let count = 0;
    for (const [move, type, days] of expected) {
      t.clock.advance(move);
      await runJobs(4);
      count += 1;
      const hooks = ofToken(receiver.received, token.id);
      expect(hooks.map((h) => h.event.type)).toHaveLength(count);
      const last = hooks.at(-1) as ReceivedWebhook;
      expect(last.event.type).toBe(type);
      expect(last.event.data.daysBefore).toBe(days);
      expect(last.event.org.key).toBe(org.key);
      expect(signatureValid(secret, last)).toBe(true);
    }
    // Much later, many more scans: nothing more about this token.
    t.clock.advance(30 * dayMs);
    await runJobs(5);
    const types = ofToken(receiver.received, token.id).map((h) => h.event.type);
    expect(types).toEqual(['token.expiring', 'token.expiring', 'token.expiring', 'token.expired']);
    // Every event also went by email to the org admin, with the rotate link.
    const mails = mailsTo(admin.user.email).filter((m) => m.text.includes(token.id));
    expect(mails).toHaveLength(4);
    expect(mails[0]?.text).toContain(`/orgs/${org.key}/admin/tokens/${token.id}?rotate=1`);
  });

  it('gives a token created inside several thresholds one event, for the nearest', async () => {
    const { admin, org, receiver } = await orgWithWebhook();
    const token = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 5) });
    await runJobs(3);
    const hooks = ofToken(receiver.received, token.id);
    expect(hooks.map((h) => [h.event.type, h.event.data.daysBefore])).toEqual([
      ['token.expiring', 7],
    ]);
  });

  it('follows the thresholds an organization sets, and never sends one already sent again', async () => {
    const { admin, org, receiver } = await orgWithWebhook();
    const put = await t.request(admin, {
      method: 'PUT',
      url: `/api/v1/orgs/${org.key}/notification-settings`,
      payload: { expiryWarningDays: [3, 14], staleAfterDays: null, emailAdmins: false },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({
      expiryWarningDays: [14, 3],
      staleAfterDays: null,
      emailAdmins: false,
    });
    const token = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 13) });
    await runJobs(2);
    t.clock.advance(10 * dayMs + 60_000);
    await runJobs(2);
    // The same settings saved again mark tokens for a look, which finds nothing new.
    await t.request(admin, {
      method: 'PUT',
      url: `/api/v1/orgs/${org.key}/notification-settings`,
      payload: { expiryWarningDays: [14, 3], staleAfterDays: null, emailAdmins: false },
    });
    await runJobs(2);
    const hooks = ofToken(receiver.received, token.id);
    expect(hooks.map((h) => h.event.data.daysBefore)).toEqual([14, 3]);
    expect(mailsTo(admin.user.email)).toEqual([]);
  });

  it('flags a token unused for staleAfterDays, sends token.stale once per unused period, and keeps it working', async () => {
    const { admin, org, receiver } = await orgWithWebhook(['token.stale']);
    const token = await createOrgToken(t, admin, org.key, { expiresAt: null });
    const list = async (stale: boolean) =>
      (
        (
          await t.request(admin, { url: `/api/v1/orgs/${org.key}/tokens?stale=${stale}` })
        ).json() as { items: Array<{ id: string; stale: boolean }> }
      ).items.map((item) => item.id);
    expect(await list(true)).toEqual([]);
    t.clock.advance(61 * dayMs);
    await runJobs(3);
    expect(ofToken(receiver.received, token.id).map((h) => h.event.type)).toEqual(['token.stale']);
    expect(await list(true)).toEqual([token.id]);
    expect(await list(false)).not.toContain(token.id);
    // Still works; the use starts a new period.
    expect((await withToken(t, token.token, { url: '/api/v1/me' })).statusCode).toBe(200);
    await t.app.runtime.usage.flush();
    expect(await list(true)).toEqual([]);
    await runJobs(2);
    expect(ofToken(receiver.received, token.id)).toHaveLength(1);
    t.clock.advance(61 * dayMs);
    await runJobs(3);
    expect(ofToken(receiver.received, token.id).map((h) => h.event.type)).toEqual([
      'token.stale',
      'token.stale',
    ]);
    const mail = mailsTo(admin.user.email).filter((m) => m.text.includes(token.id));
    expect(mail).toHaveLength(2);
  });

  it('sends token.revoked and token.rotated to webhooks, written with their cause, and not by email', async () => {
    const { admin, org, receiver, secret } = await orgWithWebhook();
    const token = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 200) });
    const rotated = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${token.id}/rotate`,
      payload: {},
    });
    expect(rotated.statusCode).toBe(200);
    const revoked = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/tokens/${token.id}`,
    });
    expect(revoked.statusCode).toBe(200);
    // Revoking again writes no second event.
    await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${token.id}` });
    await runJobs(2);
    const hooks = ofToken(receiver.received, token.id);
    // Attempts run side by side: the two may arrive in either order (docs/api.md).
    expect(hooks.map((h) => h.event.type).sort()).toEqual(['token.revoked', 'token.rotated']);
    expect(hooks.every((h) => signatureValid(secret, h))).toBe(true);
    const revokedEvent = hooks.find((h) => h.event.type === 'token.revoked')?.event.data.token as {
      status: string;
    };
    expect(revokedEvent.status).toBe('revoked');
    expect(mailsTo(admin.user.email).filter((m) => m.text.includes(token.id))).toEqual([]);
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx, then records the delivery', async () => {
    const { admin, org, receiver, webhookId } = await orgWithWebhook(['token.revoked']);
    receiver.answerWith([500, 503]);
    const token = await createOrgToken(t, admin, org.key);
    await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${token.id}` });
    for (let i = 0; i < 3; i++) {
      await runJobs();
      t.clock.advance(1500);
    }
    await runJobs(2);
    const hooks = ofToken(receiver.received, token.id);
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((h) => h.id)).size).toBe(1);
    const deliveries = (
      await t.request(admin, { url: `/api/v1/orgs/${org.key}/webhooks/${webhookId}/deliveries` })
    ).json() as { items: Array<{ status: string; attempts: number; responseStatus: number }> };
    expect(deliveries.items[0]).toMatchObject({
      status: 'delivered',
      attempts: 3,
      responseStatus: 204,
    });
  });

  it('marks a delivery failed once the retry schedule is spent, and redelivers it with the same webhook-id', async () => {
    const { admin, org, receiver, webhookId, secret } = await orgWithWebhook(['token.revoked']);
    receiver.answerWith([500, 500, 500, 500]);
    const ping = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/webhooks/${webhookId}/ping`,
    });
    expect(ping.statusCode, ping.body).toBe(202);
    const delivery = ping.json() as { id: string; eventId: string; status: string };
    expect(delivery.status).toBe('pending');
    for (let i = 0; i < 6; i++) {
      await runJobs();
      t.clock.advance(1500);
    }
    expect(receiver.received).toHaveLength(4);
    const url = `/api/v1/orgs/${org.key}/webhooks/${webhookId}/deliveries`;
    const failed = (await t.request(admin, { url })).json() as {
      items: Array<{ id: string; status: string; attempts: number; nextAttemptAt: string | null }>;
    };
    expect(failed.items[0]).toMatchObject({ status: 'failed', attempts: 4, nextAttemptAt: null });
    const again = await t.request(admin, {
      method: 'POST',
      url: `${url}/${delivery.id}/redeliver`,
    });
    expect(again.statusCode, again.body).toBe(202);
    await runJobs();
    expect(receiver.received).toHaveLength(5);
    const last = receiver.received.at(-1) as ReceivedWebhook;
    expect(last.id).toBe(delivery.eventId);
    expect(last.event.type).toBe('webhook.ping');
    expect(signatureValid(secret, last)).toBe(true);
  });

  it('keeps an event and its cause together: a failed revocation writes neither', async () => {
    const { admin, org } = await orgWithWebhook();
    const token = await createOrgToken(t, admin, org.key);
    const before = await t.store.db
      .selectFrom('outbox_events')
      .select('id')
      .where('token_id', '=', token.id)
      .execute();
    const failing = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/tokens/00000000-0000-7000-8000-000000000000`,
    });
    expect(failing.statusCode).toBe(404);
    const after = await t.store.db
      .selectFrom('outbox_events')
      .select('id')
      .where('token_id', '=', token.id)
      .execute();
    expect(after).toEqual(before);
  });

  it('never sends token.expired twice for one expiry, however often the settings are saved', async () => {
    const { admin, org, receiver } = await orgWithWebhook(['token.expired']);
    const token = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 2) });
    t.clock.advance(3 * dayMs);
    await runJobs(2);
    for (let i = 0; i < 3; i++) {
      const saved = await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/notification-settings`,
        payload: { expiryWarningDays: [30, 7, 1], staleAfterDays: 60, emailAdmins: true },
      });
      expect(saved.statusCode).toBe(200);
      await runJobs(2);
    }
    expect(ofToken(receiver.received, token.id).map((h) => h.event.type)).toEqual([
      'token.expired',
    ]);
  });

  it('gives up a delivery at send time when the plan no longer includes notifications, and mails no one who left', async () => {
    const { admin, org, receiver, webhookId } = await orgWithWebhook(['token.expiring']);
    const leaver = await t.newSession();
    await t.addMember(admin, org.key, leaver.user.id, 'admin');
    await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 5) });
    // The scan writes the event and its deliveries; the admin leaves before they go.
    await t.app.runtime.jobs.runOnce();
    const leftBefore = receiver.received.length;
    expect(leftBefore).toBe(1);
    const second = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 5) });
    const { scanExpiries } = await import('../../src/services/token-notices.js');
    await scanExpiries(t.deps);
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/members/${leaver.user.id}`,
    });
    await t.request(root, {
      method: 'PATCH',
      url: `/api/v1/orgs/${org.key}`,
      payload: { plan: 'free' },
    });
    await runJobs(2);
    expect(ofToken(receiver.received, second.id)).toEqual([]);
    expect(mailsTo(leaver.user.email).filter((m) => m.text.includes(second.id))).toEqual([]);
    const deliveries = (
      await t.request(admin, { url: `/api/v1/orgs/${org.key}/webhooks/${webhookId}/deliveries` })
    ).json() as { items: Array<{ status: string; error: string | null }> };
    expect(deliveries.items[0]).toMatchObject({ status: 'failed' });
    expect(deliveries.items[0]?.error).toContain('plan');
  });

  it('takes at most 20 webhooks per organization and 10 waiting pings or redeliveries per webhook', async () => {
    const { admin, org, receiver, webhookId } = await orgWithWebhook();
    receiver.answerWith(Array(100).fill(500));
    for (let i = 1; i < 20; i++) {
      const made = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/webhooks`,
        payload: { url: receiver.url, events: ['token.revoked'] },
      });
      expect(made.statusCode).toBe(201);
    }
    const over = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/webhooks`,
      payload: { url: receiver.url, events: ['token.revoked'] },
    });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.message).toContain('at most 20 webhooks');
    const ping = () =>
      t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/webhooks/${webhookId}/ping`,
      });
    for (let i = 0; i < 10; i++) expect((await ping()).statusCode).toBe(202);
    const flooded = await ping();
    expect(flooded.statusCode).toBe(409);
    expect(flooded.json().error.message).toContain('10 deliveries waiting');
  });

  describe('refusals', () => {
    it('refuses webhook and settings changes on the free plan with PLAN_REQUIRED', async () => {
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin, plan: 'free' });
      const hook = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/webhooks`,
        payload: { url: 'https://hooks.example.test/x', events: ['*'] },
      });
      expect(hook.statusCode).toBe(403);
      expect(hook.json().error.code).toBe('PLAN_REQUIRED');
      const settings = await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/notification-settings`,
        payload: { expiryWarningDays: [7], staleAfterDays: 30, emailAdmins: true },
      });
      expect(settings.json().error.code).toBe('PLAN_REQUIRED');
    });

    it('refuses members who are not admins, and organization tokens', async () => {
      const { admin, org } = await orgWithWebhook();
      const member = await t.newSession();
      await t.addMember(admin, org.key, member.user.id, 'member');
      const asMember = await t.request(member, { url: `/api/v1/orgs/${org.key}/webhooks` });
      expect(asMember.statusCode).toBe(403);
      const token = await createOrgToken(t, admin, org.key);
      const asToken = await withToken(t, token.token, {
        url: `/api/v1/orgs/${org.key}/notification-settings`,
      });
      expect(asToken.statusCode).toBe(403);
    });

    it('refuses bad settings with the field at fault', async () => {
      const { admin, org } = await orgWithWebhook();
      for (const payload of [
        { expiryWarningDays: [0], staleAfterDays: 60, emailAdmins: true },
        { expiryWarningDays: [7, 7], staleAfterDays: 60, emailAdmins: true },
        { expiryWarningDays: [7], staleAfterDays: 0, emailAdmins: true },
        { expiryWarningDays: [7], staleAfterDays: 60 },
      ]) {
        const response = await t.request(admin, {
          method: 'PUT',
          url: `/api/v1/orgs/${org.key}/notification-settings`,
          payload,
        });
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(response.json().error.code).toBe('VALIDATION_FAILED');
      }
    });

    it('shows a webhook secret only at creation', async () => {
      const { admin, org, webhookId } = await orgWithWebhook();
      const one = await t.request(admin, { url: `/api/v1/orgs/${org.key}/webhooks/${webhookId}` });
      expect(one.json()).not.toHaveProperty('secret');
      const list = await t.request(admin, { url: `/api/v1/orgs/${org.key}/webhooks` });
      expect(list.body).not.toContain('whsec_');
    });
  });
});

describeEachEngine('webhook URLs under the address rules (insecure mode off)', (engine) => {
  it('refuses loopback, private, link-local and metadata addresses, and names that resolve to them, with a clear error on url', async () => {
    const t = await createTestApp(engine);
    try {
      const root = await t.newSession({ instanceAdmin: true });
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
      for (const [url, reason] of [
        ['https://127.0.0.1/hook', /loopback/],
        ['https://[::1]/hook', /loopback/],
        ['https://10.1.2.3/hook', /private/],
        ['https://169.254.169.254/latest/meta-data', /metadata/],
        ['https://localhost/hook', /localhost resolves to a refused address \(loopback\)/],
        ['http://93.184.215.14/hook', /https/],
      ] as const) {
        const response = await t.request(admin, {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/webhooks`,
          payload: { url, events: ['*'] },
        });
        expect(response.statusCode, url).toBe(400);
        expect(response.json().error).toMatchObject({
          code: 'VALIDATION_FAILED',
          field: '/body/url',
        });
        expect(response.json().error.message).toMatch(reason);
      }
      const hooks = await t.request(admin, { url: `/api/v1/orgs/${org.key}/webhooks` });
      expect(hooks.json().items).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
