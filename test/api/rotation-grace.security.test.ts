import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, tokenDigest, tokenDigestKey } from '../../src/domain/token-format.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken, daysFromNow } from '../helpers/tokens.js';

const minuteMs = 60 * 1000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

/** The answer's error code, or 'ok' for a 200. */
function outcome(response: { statusCode: number; json: () => { error?: { code: string } } }) {
  return response.statusCode === 200 ? 'ok' : response.json().error?.code;
}

describeEachEngine('rotation: grace until first use, rotated-out secrets', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    // The team plan: organization tokens, and notifications (emitEvent writes nothing below it).
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
  });
  afterAll(() => t.close());

  const rotate = (id: string, payload: Record<string, unknown>) =>
    t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
      payload,
    });
  const rotated = async (id: string, payload: Record<string, unknown>) => {
    const response = await rotate(id, payload);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().token as string;
  };
  const me = (secret: string, from = '198.51.100.1', userAgent = 'ci-runner/1.0') =>
    t.request(null, {
      url: '/api/v1/me',
      remoteAddress: from,
      headers: { authorization: `Bearer ${secret}`, 'user-agent': userAgent },
    });
  const use = async (secret: string) => outcome(await me(secret));
  /**
   * Uses `secret` until its verification is cached. On PostgreSQL another suite's eviction
   * (same database, same channel) can keep one look-up out of the cache.
   */
  const answerCached = async (secret: string) => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = await use(secret);
      if (t.app.runtime.cache.get(tokenDigestKey(secret), t.clock.nowMs())) return answer;
    }
    throw new Error('the verification was never cached');
  };
  /** Waits for what verification writes off the request path (grace ends, records). */
  const settled = () => t.app.runtime.verifier.idle();
  const auditEvents = (tokenId: string, action: string) =>
    t.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', tokenId)
      .where('action', '=', action)
      .orderBy('at')
      .execute();
  const outboxEvents = (tokenId: string, type: string) =>
    t.store.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('token_id', '=', tokenId)
      .where('type', '=', type)
      .orderBy('created_at')
      .execute();
  const tokenRow = (id: string) =>
    t.store.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  describe('graceUntilFirstUse', () => {
    it('keeps the old secret until the new one is first used, then answers TOKEN_ROTATED', async () => {
      const { token: old, id } = await createOrgToken(t, admin, org.key);
      const fresh = await rotated(id, { graceUntilFirstUse: true, gracePeriodSeconds: 604_800 });
      expect(await use(old)).toBe('ok');
      t.clock.advance(3 * dayMs);
      expect(await use(old)).toBe('ok');
      const firstUseAt = t.clock.now().toISOString();
      // The first request with the new secret succeeds, and ends the old one's grace.
      expect(await use(fresh)).toBe('ok');
      expect(await use(old)).toBe('TOKEN_ROTATED');
      await settled();
      const refused = await me(old);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.code).toBe('TOKEN_ROTATED');
      expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(await use(fresh)).toBe('ok');
      expect(await tokenRow(id)).toMatchObject({
        previous_valid_until: firstUseAt,
        previous_until_first_use: 0,
      });
      const ended = await auditEvents(id, 'token.grace_ended');
      expect(ended).toHaveLength(1);
      expect(ended[0]).toMatchObject({ actor_id: id, ip: '198.51.100.1', at: firstUseAt });
    });

    it('records graceUntilFirstUse and the default day in the rotation audit event', async () => {
      const { id } = await createOrgToken(t, admin, org.key);
      const at = t.clock.nowMs();
      await rotated(id, { graceUntilFirstUse: true });
      const [event] = await auditEvents(id, 'token.rotated');
      expect(JSON.parse(event?.details ?? '{}')).toMatchObject({
        gracePeriodSeconds: 86_400,
        graceUntilFirstUse: true,
        previousValidUntil: new Date(at + dayMs).toISOString(),
      });
    });

    it('keeps the old secret for gracePeriodSeconds when the new one is never used', async () => {
      const { token: old, id } = await createOrgToken(t, admin, org.key);
      await rotated(id, { graceUntilFirstUse: true, gracePeriodSeconds: 3 * 86_400 });
      t.clock.advance(3 * dayMs - 1);
      expect(await use(old)).toBe('ok');
      t.clock.advance(1);
      expect(await use(old)).toBe('TOKEN_ROTATED');
    });

    it('keeps the old secret a day by default when the new one is never used (a week when asked)', async () => {
      const { token: old, id } = await createOrgToken(t, admin, org.key);
      await rotated(id, { graceUntilFirstUse: true });
      t.clock.advance(dayMs - 1);
      expect(await use(old)).toBe('ok');
      t.clock.advance(1);
      expect(await use(old)).toBe('TOKEN_ROTATED');
      const weekly = await createOrgToken(t, admin, org.key);
      await rotated(weekly.id, { graceUntilFirstUse: true, gracePeriodSeconds: 604_800 });
      t.clock.advance(7 * dayMs - 1);
      expect(await use(weekly.token)).toBe('ok');
      t.clock.advance(1);
      expect(await use(weekly.token)).toBe('TOKEN_ROTATED');
    });

    it("never keeps the old secret past the token's expiry", async () => {
      const { token: old, id } = await createOrgToken(t, admin, org.key, {
        expiresAt: daysFromNow(t, 2),
      });
      const fresh = await rotated(id, {
        graceUntilFirstUse: true,
        gracePeriodSeconds: 604_800,
        expiresAt: daysFromNow(t, 30),
      });
      t.clock.advance(2 * dayMs - 1);
      expect(await use(old)).toBe('ok');
      t.clock.advance(1);
      expect(await use(old)).toBe('TOKEN_ROTATED');
      expect(await use(fresh)).toBe('ok');
    });

    it('evicts a cached verification of the old secret when the grace ends', async () => {
      const { token: old, id } = await createOrgToken(t, admin, org.key);
      const fresh = await rotated(id, { graceUntilFirstUse: true });
      expect(await answerCached(old)).toBe('ok');
      const cache = t.app.runtime.cache;
      expect(await use(fresh)).toBe('ok');
      await settled();
      expect(cache.get(tokenDigestKey(old), t.clock.nowMs())).toBeUndefined();
      const before = t.queries.count;
      expect(await use(old)).toBe('TOKEN_ROTATED');
      // Refused from what the store now says, not from anything this instance remembered.
      expect(t.queries.count).toBeGreaterThan(before);
    });

    it('ends the grace once, whatever the number of first uses at once', async () => {
      const { token: old, id } = await createOrgToken(t, admin, org.key);
      const fresh = await rotated(id, { graceUntilFirstUse: true });
      const answers = await Promise.all([use(fresh), use(fresh), use(fresh), use(old)]);
      await settled();
      expect(answers.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
      expect(await use(old)).toBe('TOKEN_ROTATED');
      expect(await auditEvents(id, 'token.grace_ended')).toHaveLength(1);
    });

    it('lets a later rotation give its own previous secret a grace again', async () => {
      const { id } = await createOrgToken(t, admin, org.key);
      const second = await rotated(id, { graceUntilFirstUse: true });
      expect(await use(second)).toBe('ok');
      await settled();
      const third = await rotated(id, { graceUntilFirstUse: true });
      // `second` is now the previous secret, in a grace of its own.
      expect(await use(second)).toBe('ok');
      expect(await use(third)).toBe('ok');
      expect(await use(second)).toBe('TOKEN_ROTATED');
      await settled();
      expect(await use(third)).toBe('ok');
    });
  });

  describe('the grace period limit', () => {
    it('refuses gracePeriodSeconds above 86400 without graceUntilFirstUse, naming it', async () => {
      const { id } = await createOrgToken(t, admin, org.key);
      const before = await storeDigest(t.store);
      for (const payload of [
        { gracePeriodSeconds: 86_401 },
        { gracePeriodSeconds: 604_800, graceUntilFirstUse: false },
      ]) {
        const response = await rotate(id, payload);
        expect(response.statusCode).toBe(400);
        expect(response.json().error).toMatchObject({
          code: 'VALIDATION_FAILED',
          field: '/body/gracePeriodSeconds',
        });
        expect(response.json().error.message).toContain('graceUntilFirstUse');
      }
      const tooLong = await rotate(id, { gracePeriodSeconds: 604_801, graceUntilFirstUse: true });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().error.field).toBe('/body/gracePeriodSeconds');
      expect(await storeDigest(t.store)).toBe(before);
      expect((await rotate(id, { gracePeriodSeconds: 86_400 })).statusCode).toBe(200);
    });
  });

  describe('rotated-out secrets', () => {
    it('answers TOKEN_ROTATED for the secrets of earlier rotations, TOKEN_INVALID for made-up ones', async () => {
      const { token: first, id } = await createOrgToken(t, admin, org.key);
      const second = await rotated(id, {});
      const third = await rotated(id, { gracePeriodSeconds: 3600 });
      expect(await use(first)).toBe('TOKEN_ROTATED');
      expect(await use(second)).toBe('ok');
      expect(await use(third)).toBe('ok');
      t.clock.advance(hourMs);
      expect(await use(second)).toBe('TOKEN_ROTATED');
      expect(await use(first)).toBe('TOKEN_ROTATED');
      expect(await use(generateToken('organization'))).toBe('TOKEN_INVALID');
      // A personal access token's prefix on a rotated-out organization secret's random part
      // is another secret, not a rotated-out one.
      expect(await use(`otu_${first.slice(4)}`)).toBe('TOKEN_INVALID');
      expect(await use(third)).toBe('ok');
    });

    it('keeps every rotated-out digest, and only digests', async () => {
      const { token: first, id } = await createOrgToken(t, admin, org.key);
      const second = await rotated(id, { graceUntilFirstUse: true });
      await rotated(id, { gracePeriodSeconds: 60 });
      const rows = await t.store.db
        .selectFrom('superseded_secrets')
        .selectAll()
        .where('token_id', '=', id)
        .orderBy('superseded_at')
        .execute();
      expect(rows.map((row) => row.digest).sort()).toEqual(
        [tokenDigest(first), tokenDigest(second)].sort(),
      );
      expect(JSON.stringify(rows)).not.toContain(first);
    });

    it("answers TOKEN_REVOKED for a revoked token's rotated-out secrets", async () => {
      const { token: first, id } = await createOrgToken(t, admin, org.key);
      const second = await rotated(id, {});
      const third = await rotated(id, { gracePeriodSeconds: 3600 });
      await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${id}` });
      for (const secret of [first, second, third]) expect(await use(secret)).toBe('TOKEN_REVOKED');
    });

    it('records a use once an hour per token, with its notification, and nothing else changes', async () => {
      const { token: first, id } = await createOrgToken(t, admin, org.key);
      const second = await rotated(id, {});
      const supersededAt = t.clock.now().toISOString();
      const current = await rotated(id, {});
      const usedAt = t.clock.now().toISOString();
      expect(await use(second)).toBe('TOKEN_ROTATED');
      expect(await use(second)).toBe('TOKEN_ROTATED');
      // Past this instance's own sampling, the store's hourly claim decides, for both of the
      // token's rotated-out secrets together.
      t.clock.advance(2 * minuteMs);
      expect(await use(second)).toBe('TOKEN_ROTATED');
      t.clock.advance(2 * minuteMs);
      expect(await use(first)).toBe('TOKEN_ROTATED');
      await settled();
      const recorded = await auditEvents(id, 'token.superseded_secret_used');
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({
        at: usedAt,
        actor_type: 'organization_token',
        actor_id: id,
        ip: '198.51.100.1',
        user_agent: 'ci-runner/1.0',
        org_id: org.id,
      });
      const [event, ...more] = await outboxEvents(id, 'token.superseded_secret_used');
      expect(more).toHaveLength(0);
      expect(JSON.parse(event?.body ?? '{}')).toMatchObject({
        type: 'token.superseded_secret_used',
        timestamp: usedAt,
        org: { key: org.key },
        data: {
          token: { id, status: 'active' },
          ip: '198.51.100.1',
          userAgent: 'ci-runner/1.0',
          supersededAt,
        },
      });
      t.clock.advance(hourMs);
      expect(await use(second)).toBe('TOKEN_ROTATED');
      await settled();
      expect(await auditEvents(id, 'token.superseded_secret_used')).toHaveLength(2);
      expect(await outboxEvents(id, 'token.superseded_secret_used')).toHaveLength(2);
      // The new secret is not touched by the old ones' use.
      expect(await use(current)).toBe('ok');
      const shown = await t.request(admin, { url: `/api/v1/orgs/${org.key}/tokens/${id}` });
      expect(shown.json()).toMatchObject({ status: 'active', revokedAt: null });
    });

    it('records the use of a previous secret found in the cache after its grace', async () => {
      const { token: old, id } = await createOrgToken(t, admin, org.key);
      // Within the cache's 30 s: the refusal comes from the cached verification.
      await rotated(id, { gracePeriodSeconds: 20 });
      expect(await answerCached(old)).toBe('ok');
      t.clock.advance(20_000);
      expect(t.app.runtime.cache.get(tokenDigestKey(old), t.clock.nowMs())).toBeDefined();
      expect(await use(old)).toBe('TOKEN_ROTATED');
      await settled();
      expect(await auditEvents(id, 'token.superseded_secret_used')).toHaveLength(1);
    });
  });
});

describeEachEngine('rotation: rotated-out secrets and the failure limit', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine, {
      rateLimits: { tokenFailuresPerMinute: 3, passwordFailuresPer15Minutes: 1000 },
    });
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
  });
  afterAll(() => t.close());

  it('counts TOKEN_ROTATED towards the address limit, and the new secret still passes', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key);
    const response = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
      payload: {},
    });
    const fresh = response.json().token as string;
    const me = (secret: string) =>
      t.request(null, {
        url: '/api/v1/me',
        remoteAddress: '203.0.113.9',
        headers: { authorization: `Bearer ${secret}` },
      });
    for (let i = 0; i < 3; i += 1) expect(outcome(await me(old))).toBe('TOKEN_ROTATED');
    const blocked = await me(old);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect((await me(fresh)).statusCode).toBe(200);
    await t.app.runtime.verifier.idle();
  });
});
