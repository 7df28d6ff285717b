import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateToken } from '../../src/domain/token-format.js';
import { createTestApp, password, type TestApp } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken } from '../helpers/tokens.js';

describeEachEngine('rate limits', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine, {
      rateLimits: { tokenFailuresPerMinute: 5, passwordFailuresPer15Minutes: 3 },
    });
  });
  afterAll(() => t.close());

  const me = (authorization: string, remoteAddress: string) =>
    t.app.inject({ url: '/api/v1/me', headers: { authorization }, remoteAddress });

  it('answers 429 with Retry-After after too many failed token authentications from one address', async () => {
    const address = '192.0.2.10';
    for (let i = 0; i < 5; i += 1) {
      expect((await me(`Bearer ${generateToken('organization')}`, address)).statusCode).toBe(401);
    }
    const blocked = await me(`Bearer ${generateToken('organization')}`, address);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Malformed credentials are refused the same way.
    expect((await me('Bearer oto_not-a-token', address)).statusCode).toBe(429);
    // Another address is not affected.
    expect((await me(`Bearer ${generateToken('organization')}`, '192.0.2.11')).statusCode).toBe(
      401,
    );
    // The window passes; the address may try again.
    t.clock.advance(60_000);
    expect((await me(`Bearer ${generateToken('organization')}`, address)).statusCode).toBe(401);
  });

  it('counts every address of one IPv6 /64 as one address, and no other /64 with it', async () => {
    // One customer's block: each failure from another of its addresses.
    for (let i = 1; i <= 5; i += 1) {
      const address = `2001:db8:aa:bb:${i}::${i}`;
      expect((await me(`Bearer ${generateToken('organization')}`, address)).statusCode).toBe(401);
    }
    for (const address of ['2001:db8:aa:bb::ffff', '2001:DB8:AA:BB:0:0:0:77']) {
      expect((await me(`Bearer ${generateToken('organization')}`, address)).statusCode).toBe(429);
    }
    expect(
      (await me(`Bearer ${generateToken('organization')}`, '2001:db8:aa:bc::1')).statusCode,
    ).toBe(401);
    // An IPv4-mapped address is its IPv4 address.
    for (let i = 0; i < 5; i += 1) {
      expect((await me(`Bearer ${generateToken('organization')}`, '192.0.2.77')).statusCode).toBe(
        401,
      );
    }
    expect(
      (await me(`Bearer ${generateToken('organization')}`, '::ffff:192.0.2.77')).statusCode,
    ).toBe(429);
  });

  it("tells SonarScanner's token check from a blocked address 429, not that a token is invalid", async () => {
    const address = '192.0.2.40';
    const validate = (authorization: string) =>
      t.app.inject({
        url: '/api/authentication/validate',
        headers: { authorization },
        remoteAddress: address,
      });
    for (let i = 0; i < 5; i += 1) {
      expect((await validate(`Bearer ${generateToken('organization')}`)).json()).toEqual({
        valid: false,
      });
    }
    const blocked = await validate(`Bearer ${generateToken('organization')}`);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it("never refuses a valid token for other credentials' failures from its address", async () => {
    const root = await t.newSession({ instanceAdmin: true });
    const admin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin });
    const cached = await createOrgToken(t, admin, org.key);
    const uncached = await createOrgToken(t, admin, org.key);
    // A runner pool behind one NAT address: one job has a stale secret and retries it.
    const address = '192.0.2.30';
    expect((await me(`Bearer ${cached.token}`, address)).statusCode).toBe(200);
    const stale = generateToken('organization');
    for (let i = 0; i < 10; i += 1) await me(`Bearer ${stale}`, address);
    expect((await me(`Bearer ${stale}`, address)).statusCode).toBe(429);
    // The other pipelines behind that address keep working, cached or not.
    expect((await me(`Bearer ${cached.token}`, address)).statusCode).toBe(200);
    expect((await me(`Bearer ${uncached.token}`, address)).statusCode).toBe(200);
    expect(
      (await me(`Basic ${Buffer.from(`${uncached.token}:`).toString('base64')}`, address))
        .statusCode,
    ).toBe(200);
  });

  it('refuses a repeated unknown secret past the limit without a store look-up', async () => {
    const address = '192.0.2.40';
    const unknown = generateToken('organization');
    for (let i = 0; i < 5; i += 1) await me(`Bearer ${unknown}`, address);
    for (const secret of [unknown, 'oto_short', `${unknown.slice(0, -1)}x`]) {
      const before = t.queries.count;
      const response = await me(`Bearer ${secret}`, address);
      expect(response.statusCode, secret).toBe(429);
      expect(t.queries.count - before, secret).toBe(0);
    }
  });

  it('answers 429 for a revoked or expired token past the limit, telling a guesser nothing', async () => {
    const root = await t.newSession({ instanceAdmin: true });
    const admin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin });
    const revoked = await createOrgToken(t, admin, org.key);
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/tokens/${revoked.id}`,
    });
    const address = '192.0.2.50';
    expect((await me(`Bearer ${revoked.token}`, address)).json().error.code).toBe('TOKEN_REVOKED');
    for (let i = 0; i < 5; i += 1) await me(`Bearer ${generateToken('organization')}`, address);
    expect((await me(`Bearer ${revoked.token}`, address)).statusCode).toBe(429);
  });

  it('does not count successful authentications', async () => {
    const root = await t.newSession({ instanceAdmin: true });
    const admin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin });
    const { token } = await createOrgToken(t, admin, org.key);
    for (let i = 0; i < 20; i += 1) {
      expect((await me(`Bearer ${token}`, '192.0.2.20')).statusCode).toBe(200);
    }
  });

  const signIn = (email: string, secret: string, remoteAddress: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email, password: secret },
      remoteAddress,
    });

  it('limits password guesses per account, from any address', async () => {
    const user = await t.createUser();
    for (let i = 0; i < 3; i += 1) {
      expect((await signIn(user.email, 'wrong password here', `198.51.100.${i}`)).statusCode).toBe(
        401,
      );
    }
    const blocked = await signIn(user.email, password, '198.51.100.99');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toEqual(expect.any(String));
    // A blocked guess costs no scrypt work.
    const before = t.deps.passwords.derivations;
    await signIn(user.email, 'another wrong one', '198.51.100.98');
    expect(t.deps.passwords.derivations).toBe(before);
    t.clock.advance(15 * 60_000);
    expect((await signIn(user.email, password, '198.51.100.99')).statusCode).toBe(200);
  });

  it('counts guesses sent in parallel before any of them is checked', async () => {
    const user = await t.createUser();
    const guesses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        signIn(user.email, `parallel guess ${i}`, `198.51.100.${100 + i}`),
      ),
    );
    const statuses = guesses.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  it('limits password guesses per address, across accounts, unknown ones included', async () => {
    const address = '203.0.113.50';
    for (let i = 0; i < 3; i += 1) {
      expect(
        (await signIn(`nobody${i}@example.test`, 'wrong password here', address)).statusCode,
      ).toBe(401);
    }
    const user = await t.createUser();
    expect((await signIn(user.email, password, address)).statusCode).toBe(429);
    expect((await signIn(user.email, password, '203.0.113.51')).statusCode).toBe(200);
  });

  it('limits password guesses per IPv6 /64, however many of its addresses guess', async () => {
    for (let i = 0; i < 3; i += 1) {
      const address = `2001:db8:5:6:${i + 1}::1`;
      expect(
        (await signIn(`nobody-v6-${i}@example.test`, 'wrong password here', address)).statusCode,
      ).toBe(401);
    }
    const user = await t.createUser();
    expect((await signIn(user.email, password, '2001:db8:5:6:ffff::2')).statusCode).toBe(429);
    expect((await signIn(user.email, password, '2001:db8:5:7::2')).statusCode).toBe(200);
  });
});
