import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, tokenDigest } from '../../src/domain/token-format.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { type GithubKeysServer, startGithubKeysServer } from '../helpers/github-keys-server.js';
import { createOrgToken, withToken } from '../helpers/tokens.js';

describeEachEngine('leaked tokens: GitHub secret scanning and public revocation', (engine) => {
  let t: TestApp;
  let keys: GithubKeysServer;
  let admin: TestSession;
  let org: { key: string; id: string };

  beforeAll(async () => {
    keys = await startGithubKeysServer();
    t = await createTestApp(engine, { githubKeysUrl: keys.keysUrl });
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
  });
  afterAll(async () => {
    await t.close();
    await keys.close();
  });

  const report = (body: string, headers: Record<string, string>) =>
    t.request(null, {
      method: 'POST',
      url: '/api/v1/secret-scanning/github',
      payload: body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const signed = (body: string) => {
    const { keyIdentifier, signature } = keys.sign(body);
    return report(body, {
      'github-public-key-identifier': keyIdentifier,
      'github-public-key-signature': signature,
    });
  };
  const match = (token: string) => ({
    token,
    type: 'orgtoken_organization_token',
    url: 'https://github.com/octo/app/blob/abc/ci.yml',
    source: 'content',
  });
  const me = (token: string) => withToken(t, token, { url: '/api/v1/me' });

  it('revokes a live token reported by a signed GitHub report at once, labelled true_positive by its hash', async () => {
    const { token, id } = await createOrgToken(t, admin, org.key);
    const lookalike = generateToken('organization');
    const body = JSON.stringify([match(token), match(lookalike)]);
    const answer = await signed(body);
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual([
      {
        token_hash: tokenDigest(token),
        token_type: 'orgtoken_organization_token',
        label: 'true_positive',
      },
      {
        token_hash: tokenDigest(lookalike),
        token_type: 'orgtoken_organization_token',
        label: 'false_positive',
      },
    ]);
    expect(answer.body).not.toContain(token);
    const after = await me(token);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('TOKEN_REVOKED');
    const shown = await t.request(admin, { url: `/api/v1/orgs/${org.key}/tokens/${id}` });
    expect(shown.json()).toMatchObject({
      status: 'revoked',
      leakedAt: expect.any(String),
      leak: { source: 'github', url: 'https://github.com/octo/app/blob/abc/ci.yml' },
    });
    const audit = await t.request(admin, {
      url: `/api/v1/orgs/${org.key}/audit-events?action=token.leaked`,
    });
    expect(audit.json().items[0]).toMatchObject({
      action: 'token.leaked',
      details: { source: 'github', action: 'revoke' },
    });
    const events = await t.store.db
      .selectFrom('outbox_events')
      .select('type')
      .where('token_id', '=', id)
      .execute();
    expect(events.map((e) => e.type)).toContain('token.leaked');
  });

  it('refuses a bad signature, an unknown key, a re-serialised body and missing headers with 401, changing nothing', async () => {
    const { token } = await createOrgToken(t, admin, org.key);
    const body = JSON.stringify([match(token)]);
    const good = keys.sign(body);
    const reserialised = JSON.stringify(JSON.parse(body), null, 2);
    const stranger = keys.unlistedKey().sign(body);
    for (const [what, payload, headers] of [
      [
        'bad signature',
        body,
        {
          'github-public-key-identifier': good.keyIdentifier,
          'github-public-key-signature': keys.sign('[]').signature,
        },
      ],
      [
        'unknown key',
        body,
        {
          'github-public-key-identifier': stranger.keyIdentifier,
          'github-public-key-signature': stranger.signature,
        },
      ],
      [
        're-serialised body',
        reserialised,
        {
          'github-public-key-identifier': good.keyIdentifier,
          'github-public-key-signature': good.signature,
        },
      ],
      ['no identifier', body, { 'github-public-key-signature': good.signature }],
      ['no signature', body, { 'github-public-key-identifier': good.keyIdentifier }],
    ] as const) {
      const answer = await report(payload, headers as Record<string, string>);
      expect(answer.statusCode, what).toBe(401);
      expect(answer.json().error.code, what).toBe('SIGNATURE_INVALID');
    }
    expect((await me(token)).statusCode).toBe(200);
  });

  it('only marks and notifies a leaked token when the organization says notify, and keeps it working', async () => {
    const root = await t.newSession({ instanceAdmin: true });
    const notifyAdmin = await t.newSession();
    const notifyOrg = await t.createOrg(root, { orgAdmin: notifyAdmin, plan: 'team' });
    const set = await t.request(notifyAdmin, {
      method: 'PUT',
      url: `/api/v1/orgs/${notifyOrg.key}/leak-response`,
      payload: { action: 'notify' },
    });
    expect(set.json()).toEqual({ action: 'notify' });
    const { token, id } = await createOrgToken(t, notifyAdmin, notifyOrg.key);
    const answer = await signed(JSON.stringify([match(token)]));
    expect(answer.json()[0].label).toBe('true_positive');
    expect((await me(token)).statusCode).toBe(200);
    const shown = await t.request(notifyAdmin, {
      url: `/api/v1/orgs/${notifyOrg.key}/tokens/${id}`,
    });
    expect(shown.json()).toMatchObject({ status: 'active', leak: { source: 'github' } });
    // Reported again: still working, and the admins are not told twice.
    await signed(JSON.stringify([match(token)]));
    const events = await t.store.db
      .selectFrom('outbox_events')
      .select('type')
      .where('token_id', '=', id)
      .where('type', '=', 'token.leaked')
      .execute();
    expect(events).toHaveLength(1);
  });

  it('revokes a token whose previous secret, still in its rotation grace, is reported', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key);
    const rotated = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
      payload: { gracePeriodSeconds: 3600 },
    });
    const fresh = rotated.json().token as string;
    expect((await me(old)).statusCode).toBe(200);
    const answer = await signed(JSON.stringify([match(old)]));
    expect(answer.json()[0].label).toBe('true_positive');
    expect((await me(old)).statusCode).toBe(401);
    expect((await me(fresh)).json().error.code).toBe('TOKEN_REVOKED');
  });

  it('follows the key GitHub rotates to during the run', async () => {
    const { token } = await createOrgToken(t, admin, org.key);
    // The unknown key of an earlier test used up this minute's refetch.
    t.clock.advance(61_000);
    keys.rotateKey();
    const answer = await signed(JSON.stringify([match(token)]));
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()[0].label).toBe('true_positive');
  });

  describe('credentials/revoke', () => {
    it('revokes the live tokens among 1,000 strings and answers 202 with an empty body', async () => {
      const live = await Promise.all([1, 2, 3].map(() => createOrgToken(t, admin, org.key)));
      const strings = Array.from({ length: 997 }, (_, i) =>
        i % 2 === 0 ? generateToken('organization') : `not-a-token-${i}`,
      );
      strings.splice(100, 0, live[0]?.token ?? '');
      strings.splice(500, 0, live[1]?.token ?? '');
      strings.splice(900, 0, live[2]?.token ?? '');
      const answer = await t.request(null, {
        method: 'POST',
        url: '/api/v1/credentials/revoke',
        payload: { credentials: strings },
        remoteAddress: '198.51.100.20',
      });
      expect(answer.statusCode).toBe(202);
      expect(answer.body).toBe('');
      for (const token of live)
        expect((await me(token.token)).json().error.code).toBe('TOKEN_REVOKED');
      const shown = await t.request(admin, {
        url: `/api/v1/orgs/${org.key}/tokens/${live[0]?.id}`,
      });
      expect(shown.json().leak).toEqual({ source: 'public', url: null });
    });

    it('answers the same to strings that hold no token, and is 429 for the 61st request in an hour from one address', async () => {
      const send = () =>
        t.request(null, {
          method: 'POST',
          url: '/api/v1/credentials/revoke',
          payload: { credentials: ['nothing here'] },
          remoteAddress: '198.51.100.77',
        });
      for (let i = 0; i < 60; i++) {
        const answer = await send();
        expect(answer.statusCode).toBe(202);
        expect(answer.body).toBe('');
      }
      const limited = await send();
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
