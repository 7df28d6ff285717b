import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken, daysFromNow, withToken } from '../helpers/tokens.js';

const hourMs = 3600 * 1000;

describeEachEngine('rotation: grace never extends a life', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
  });
  afterAll(() => t.close());

  const rotate = (id: string, payload: Record<string, unknown>) =>
    t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
      payload,
    });
  const me = (secret: string) => withToken(t, secret, { url: '/api/v1/me' });

  it('ends the old secret at its own expiry when that comes before the grace period ends', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key, {
      expiresAt: daysFromNow(t, 2),
    });
    t.clock.advance(47 * hourMs);
    const rotated = await rotate(id, { gracePeriodSeconds: 86_400, expiresAt: daysFromNow(t, 30) });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().token as string;
    expect((await me(old)).statusCode).toBe(200);
    t.clock.advance(hourMs - 1);
    expect((await me(old)).statusCode).toBe(200);
    t.clock.advance(1);
    // One hour after rotation the old secret's own life is over, 23 hours before the grace.
    const after = await me(old);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('TOKEN_ROTATED');
    expect((await me(fresh)).statusCode).toBe(200);
    t.clock.advance(22 * hourMs);
    expect((await me(old)).statusCode).toBe(401);
  });

  it('records when the old secret stops working in the rotation audit event', async () => {
    const { id } = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 2) });
    const expiresAt = (
      await t.request(admin, { url: `/api/v1/orgs/${org.key}/tokens/${id}` })
    ).json().expiresAt as string;
    t.clock.advance(36 * hourMs);
    expect((await rotate(id, { gracePeriodSeconds: 86_400 })).statusCode).toBe(200);
    const events = await t.request(admin, {
      url: `/api/v1/orgs/${org.key}/audit-events?action=token.rotated`,
    });
    const event = (
      events.json().items as Array<{ target: { id: string }; details: Record<string, unknown> }>
    ).find((e) => e.target.id === id);
    expect(event?.details, JSON.stringify(events.json())).toMatchObject({
      previousValidUntil: expiresAt,
    });
  });

  it('refuses to rotate an expired token, and changes nothing', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key, {
      expiresAt: daysFromNow(t, 2),
    });
    t.clock.advance(2 * 24 * hourMs);
    // A first request after the jump refreshes the session, which is not what is measured.
    await t.request(admin, { url: `/api/v1/orgs/${org.key}/tokens/${id}` });
    const before = await storeDigest(t.store);
    for (const payload of [{}, { gracePeriodSeconds: 86_400 }, { expiresAt: daysFromNow(t, 30) }]) {
      const response = await rotate(id, payload);
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('CONFLICT');
    }
    expect(await storeDigest(t.store)).toBe(before);
    expect((await me(old)).json().error.code).toBe('TOKEN_EXPIRED');
  });

  it('refuses to rotate a revoked token, and changes nothing', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key);
    await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${id}` });
    const before = await storeDigest(t.store);
    const response = await rotate(id, { gracePeriodSeconds: 600 });
    expect(response.statusCode).toBe(409);
    expect(await storeDigest(t.store)).toBe(before);
    expect((await me(old)).json().error.code).toBe('TOKEN_REVOKED');
  });

  it('keeps the full grace period for a token with no expiry', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key, { expiresAt: null });
    await rotate(id, { gracePeriodSeconds: 7200 });
    t.clock.advance(2 * hourMs - 1);
    expect((await me(old)).statusCode).toBe(200);
    t.clock.advance(1);
    expect((await me(old)).statusCode).toBe(401);
  });
});
