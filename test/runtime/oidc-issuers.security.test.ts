import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/domain/clock.js';
import {
  OidcIssuers,
  type OidcIssuersOptions,
  type OidcVerification,
  peekClaims,
} from '../../src/runtime/oidc-issuers.js';
import {
  type OidcIssuer,
  type StartOidcIssuerOptions,
  startOidcIssuer,
} from '../helpers/oidc-issuer.js';

const closers: (() => Promise<void>)[] = [];

/**
 * A clock moved by hand, shared by the issuer (iat, nbf, exp) and the verifier. Not
 * test/helpers/app.ts's TestClock: importing that module loads the whole server.
 */
function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let ms = start;
  return {
    now: () => new Date(ms),
    nowMs: () => ms,
    advance: (by) => {
      ms += by;
    },
  };
}

let clock: ReturnType<typeof manualClock>;

beforeEach(() => {
  clock = manualClock();
});

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function issuerOf(options: StartOidcIssuerOptions = {}): Promise<OidcIssuer> {
  const issuer = await startOidcIssuer({ clock, ...options });
  closers.push(() => issuer.close());
  return issuer;
}

function verifierFor(issuer: OidcIssuer, options: Partial<OidcIssuersOptions> = {}) {
  return new OidcIssuers({ clock, insecureIssuers: [issuer.issuer], ...options });
}

const expectationOf = (issuer: OidcIssuer) => ({
  issuer: issuer.issuer,
  audience: issuer.audience,
});

/** A refusal whose reason matches, and holds neither the token nor its signature. */
function expectRefused(result: OidcVerification, reason: RegExp, jwt?: string): string {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('accepted');
  expect(result.reason).toMatch(reason);
  if (jwt !== undefined) {
    expect(result.reason).not.toContain(jwt);
    for (const part of jwt.split('.').filter((piece) => piece.length > 8)) {
      expect(result.reason).not.toContain(part);
    }
  }
  return result.reason;
}

describe('accepted tokens', () => {
  it('accepts an RS256 token with GitHub Actions claims and returns its claims and header', async () => {
    const issuer = await issuerOf({ algorithm: 'RS256' });
    const claims = issuer.githubClaims();
    const result = await verifierFor(issuer).verify(
      await issuer.sign(claims),
      expectationOf(issuer),
    );
    expect(result).toEqual({
      ok: true,
      claims,
      header: { alg: 'RS256', kid: issuer.kid },
    });
  });

  it('accepts an ES256 token with GitLab CI claims from an issuer under a path', async () => {
    const issuer = await issuerOf({ algorithm: 'ES256', path: '/gitlab' });
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gitlab$/);
    const claims = issuer.gitlabClaims();
    const result = await verifierFor(issuer).verify(
      await issuer.sign(claims),
      expectationOf(issuer),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.header.alg).toBe('ES256');
    expect(result.claims.project_id).toBe('88231');
    expect(result.claims.runner_id).toBe(31);
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('accepts an audience given as an array of exactly one equal string', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims({ aud: [issuer.audience] }));
    expect((await verifierFor(issuer).verify(jwt, expectationOf(issuer))).ok).toBe(true);
  });

  it('accepts exp, nbf and iat within the 60 s of allowed clock skew', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    const claims = issuer.githubClaims();
    for (const skew of [{ expiresIn: -50 }, { notBefore: 50 }, { issuedAt: 50 }]) {
      const result = await verifier.verify(await issuer.sign(claims, skew), expectationOf(issuer));
      expect(result.ok, JSON.stringify(skew)).toBe(true);
    }
  });
});

describe('caching discovery and keys', () => {
  it('fetches discovery and keys once across many verifications', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => issuer.sign(issuer.githubClaims())),
    );
    const results = await Promise.all(
      tokens.map((jwt) => verifier.verify(jwt, expectationOf(issuer))),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    for (const jwt of tokens.slice(0, 5)) await verifier.verify(jwt, expectationOf(issuer));
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('fetches both again once they are an hour old', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    expect(
      (await verifier.verify(await issuer.sign(issuer.githubClaims()), expectationOf(issuer))).ok,
    ).toBe(true);
    clock.advance(61 * 60 * 1000);
    expect(
      (await verifier.verify(await issuer.sign(issuer.githubClaims()), expectationOf(issuer))).ok,
    ).toBe(true);
    expect(issuer.requests).toEqual({ discovery: 2, jwks: 2 });
  });
});

describe('key rotation and unknown key ids', () => {
  it('refetches the keys once when the issuer rotates its key during the run', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    const before = await issuer.sign(issuer.githubClaims());
    expect((await verifier.verify(before, expectationOf(issuer))).ok).toBe(true);
    const oldKid = issuer.kid;
    const newKid = await issuer.rotateKey();
    expect(newKid).not.toBe(oldKid);
    const after = await verifier.verify(
      await issuer.sign(issuer.githubClaims()),
      expectationOf(issuer),
    );
    expect(after).toMatchObject({ ok: true, header: { kid: newKid } });
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 2 });
    // The old key has left the JWKS: a token signed before the rotation no longer verifies.
    expectRefused(
      await verifier.verify(before, expectationOf(issuer)),
      /^unknown signing key/,
      before,
    );
    expect(issuer.requests.jwks).toBe(2);
  });

  it('refuses an unknown kid after one refetch, and refetches no more within a minute', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    expect(
      (await verifier.verify(await issuer.sign(issuer.githubClaims()), expectationOf(issuer))).ok,
    ).toBe(true);
    expect(issuer.requests.jwks).toBe(1);

    const first = await issuer.sign(issuer.githubClaims(), { kid: 'made-up-1' });
    expectRefused(
      await verifier.verify(first, expectationOf(issuer)),
      /^unknown signing key: the issuer .* publishes no key with this token's kid/,
      first,
    );
    expect(issuer.requests.jwks).toBe(2);

    clock.advance(30_000);
    const second = await issuer.sign(issuer.githubClaims(), { kid: 'made-up-2' });
    expectRefused(
      await verifier.verify(second, expectationOf(issuer)),
      /^unknown signing key/,
      second,
    );
    expect(issuer.requests.jwks).toBe(2);

    clock.advance(31_000);
    expectRefused(
      await verifier.verify(second, expectationOf(issuer)),
      /^unknown signing key/,
      second,
    );
    expect(issuer.requests.jwks).toBe(3);
    expect(issuer.requests.discovery).toBe(1);
  });

  it('makes many concurrent tokens with unknown kids share one refetch', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    expect(
      (await verifier.verify(await issuer.sign(issuer.githubClaims()), expectationOf(issuer))).ok,
    ).toBe(true);
    const forged = await Promise.all(
      Array.from({ length: 10 }, (_, i) => issuer.sign(issuer.githubClaims(), { kid: `kid-${i}` })),
    );
    const results = await Promise.all(
      forged.map((jwt) => verifier.verify(jwt, expectationOf(issuer))),
    );
    for (const result of results) expectRefused(result, /^unknown signing key/);
    expect(issuer.requests.jwks).toBe(2);
  });

  it('accepts a token without kid when the issuer publishes one key of its type', async () => {
    const issuer = await issuerOf({ algorithm: 'ES256' });
    const verifier = verifierFor(issuer);
    const jwt = await issuer.sign(issuer.githubClaims(), { header: { kid: undefined } });
    // An ES256 key with the token's alg fits, so without a kid the one key is used.
    expect((await verifier.verify(jwt, expectationOf(issuer))).ok).toBe(true);
  });
});

describe('refused tokens', () => {
  it.each([
    ['a trailing slash', (issuer: string) => `${issuer}/`, /\(they differ in a trailing slash/],
    [
      'other letter case',
      (issuer: string) => issuer.replace('http', 'HTTP'),
      /\(they differ in letter case/,
    ],
    [
      'another issuer',
      () => 'https://token.actions.example',
      /^issuer: expected http:\/\/127\.0\.0\.1:\d+, got a different value$/,
    ],
  ])('refuses an iss with %s, before asking any issuer', async (_name, iss, reason) => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims({ iss: iss(issuer.issuer) }));
    expectRefused(await verifierFor(issuer).verify(jwt, expectationOf(issuer)), reason, jwt);
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it('refuses a token without iss', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims({ iss: undefined }));
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^issuer: the token has no iss claim$/,
    );
  });

  it.each([
    [
      'another audience',
      'https://other.example',
      /^audience: expected https:\/\/orgtoken\.example, got a different value$/,
    ],
    [
      'an array of several, the right one among them',
      ['https://orgtoken.example', 'https://other.example'],
      /^audience: expected https:\/\/orgtoken\.example, got 2 audiences \(a token for exactly one is required\)$/,
    ],
    ['an empty array', [], /got 0 audiences/],
    ['a one-element array of another', ['https://other.example'], /got a different value/],
    ['no audience', undefined, /^audience: the token has no aud claim$/],
  ])('refuses %s as aud', async (_name, aud, reason) => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims({ aud }));
    expectRefused(await verifierFor(issuer).verify(jwt, expectationOf(issuer)), reason, jwt);
  });

  it('refuses an expired token, naming when it expired', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims(), { expiresIn: -61 });
    const exp = new Date((Math.floor(clock.nowMs() / 1000) - 61) * 1000).toISOString();
    const reason = expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^token expired at /,
      jwt,
    );
    expect(reason).toBe(`token expired at ${exp} (60 s of clock skew allowed)`);
  });

  it('refuses a token that expires as the clock moves past it', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    const jwt = await issuer.sign(issuer.githubClaims(), { expiresIn: 300 });
    expect((await verifier.verify(jwt, expectationOf(issuer))).ok).toBe(true);
    clock.advance(361_000);
    expectRefused(await verifier.verify(jwt, expectationOf(issuer)), /^token expired at/);
  });

  it('refuses a token that is not yet valid', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims(), { notBefore: 120 });
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^token not valid before \S+Z \(60 s of clock skew allowed\)$/,
      jwt,
    );
  });

  it('refuses a token issued more than 60 s in the future', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims(), { issuedAt: 120, notBefore: 0 });
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^iat: issued at \S+, more than 60 s after the server's time/,
      jwt,
    );
  });

  it.each([
    ['jti', /^jti: the token has no jti claim \(a token id is required\)$/],
    ['exp', /^exp: the token has no exp claim \(an expiry is required\)$/],
    ['iat', /^iat: the token has no iat claim \(an issue time is required\)$/],
  ])('refuses a token without %s', async (claim, reason) => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims({ [claim]: undefined }));
    expectRefused(await verifierFor(issuer).verify(jwt, expectationOf(issuer)), reason, jwt);
  });

  it('refuses an empty jti and an exp that is not a number', async () => {
    const issuer = await issuerOf();
    const verifier = verifierFor(issuer);
    const noId = await issuer.sign(issuer.githubClaims({ jti: '' }));
    expectRefused(
      await verifier.verify(noId, expectationOf(issuer)),
      /^jti: the token id must be a non-empty string$/,
    );
    const textExp = await issuer.sign(issuer.githubClaims({ exp: 'tomorrow' }));
    expectRefused(
      await verifier.verify(textExp, expectationOf(issuer)),
      /^exp: must be a number of seconds$/,
    );
  });

  it('refuses alg none before using any key', async () => {
    const issuer = await issuerOf();
    const jwt = issuer.signNone(issuer.githubClaims());
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^signing algorithm none is not accepted \(RS256 or ES256 only\)$/,
      jwt,
    );
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it('refuses HS256 signed with the public key as secret before using any key', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.signHs256WithPublicKey(issuer.githubClaims());
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^signing algorithm HS256 is not accepted/,
      jwt,
    );
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it.each(['RS384', 'RS512', 'PS256'])('refuses %s even from the issuer key', async (alg) => {
    const issuer = await issuerOf({ algorithm: 'RS256' });
    const jwt = await issuer.sign(issuer.githubClaims(), { alg });
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      new RegExp(`^signing algorithm ${alg} is not accepted`),
      jwt,
    );
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims());
    const [header, , signature] = jwt.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify(issuer.githubClaims({ repository_owner_id: '1' })),
    ).toString('base64url');
    const forged = `${header}.${forgedPayload}.${signature}`;
    expectRefused(
      await verifierFor(issuer).verify(forged, expectationOf(issuer)),
      /^signature: the token's signature does not verify with the key of http/,
      forged,
    );
  });

  it('refuses a token signed by another issuer with the same claims and kid', async () => {
    const issuer = await issuerOf();
    const impostor = await issuerOf();
    const jwt = await impostor.sign(issuer.githubClaims(), { kid: issuer.kid });
    expectRefused(await verifierFor(issuer).verify(jwt, expectationOf(issuer)), /^signature:/, jwt);
  });

  it('refuses a token larger than 16 KiB without parsing it', async () => {
    const issuer = await issuerOf();
    const big = await issuer.sign(issuer.githubClaims({ padding: 'x'.repeat(16 * 1024) }));
    expectRefused(
      await verifierFor(issuer).verify(big, expectationOf(issuer)),
      /^token is larger than 16384 bytes/,
      big,
    );
    expectRefused(
      await verifierFor(issuer).verify('{'.repeat(20_000), expectationOf(issuer)),
      /^token is larger than/,
    );
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it.each([
    ['', /^token is not a JWT/],
    ['abc', /^token is not a JWT/],
    ['a.b.c', /^token is not a JWT: its header or payload/],
    ['a.b.c.d.e', /^token is not a JWT/],
  ])('refuses the garbage %j', async (jwt, reason) => {
    const issuer = await issuerOf();
    expectRefused(await verifierFor(issuer).verify(jwt, expectationOf(issuer)), reason);
  });
});

describe('issuers that cannot be trusted', () => {
  it('refuses an http issuer not in insecureIssuers, before asking it', async () => {
    const issuer = await issuerOf();
    const jwt = await issuer.sign(issuer.githubClaims());
    const verifier = verifierFor(issuer, { insecureIssuers: [`${issuer.issuer}/`] });
    const reason = expectRefused(
      await verifier.verify(jwt, expectationOf(issuer)),
      /is not https/,
      jwt,
    );
    expect(reason).toBe(
      `issuer ${issuer.issuer} is not https (allow it with ORGTOKEN_OIDC_INSECURE_ISSUERS)`,
    );
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it('refuses an issuer whose discovery document names another issuer', async () => {
    const issuer = await issuerOf();
    issuer.setDiscovery({ issuer: `${issuer.issuer}/` });
    const jwt = await issuer.sign(issuer.githubClaims());
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^discovery at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration names another issuer than http/,
      jwt,
    );
    expect(issuer.requests.jwks).toBe(0);
  });

  it.each([
    ['file:///etc/passwd', /jwks_uri file:\/\/\/etc\/passwd is not https/],
    [undefined, /has no jwks_uri URL/],
    ['not a url', /has no jwks_uri URL/],
  ])('refuses a discovery document whose jwks_uri is %j', async (jwksUri, reason) => {
    const issuer = await issuerOf();
    issuer.setDiscovery({ jwks_uri: jwksUri });
    const jwt = await issuer.sign(issuer.githubClaims());
    expectRefused(await verifierFor(issuer).verify(jwt, expectationOf(issuer)), reason);
  });

  it.each([
    [
      'a list instead of a key set',
      [1, 2],
      /^signing keys at \S+\/jwks are not a JSON Web Key Set$/,
    ],
    [
      'an RSA key too short to use',
      (kid: string) => ({ keys: [{ kty: 'RSA', kid, alg: 'RS256', n: 'AQAB', e: 'AQAB' }] }),
      /^signing key: the issuer's key for this token cannot be used \(/,
    ],
  ])('refuses keys that are %s', async (_name, body, reason) => {
    const issuer = await issuerOf();
    issuer.setJwks(typeof body === 'function' ? body(issuer.kid) : body);
    const jwt = await issuer.sign(issuer.githubClaims());
    expectRefused(await verifierFor(issuer).verify(jwt, expectationOf(issuer)), reason, jwt);
  });

  it('refuses a discovery document larger than 256 KiB', async () => {
    const issuer = await issuerOf();
    issuer.setDiscovery({ padding: 'x'.repeat(300 * 1024) });
    const jwt = await issuer.sign(issuer.githubClaims());
    expectRefused(
      await verifierFor(issuer).verify(jwt, expectationOf(issuer)),
      /^discovery at \S+ is larger than 256 KiB$/,
    );
  });

  it('refuses, not as unavailable, an issuer that has no discovery document', async () => {
    const issuer = await issuerOf();
    const wrong = `${issuer.issuer}/nowhere`;
    const jwt = await issuer.sign(issuer.githubClaims({ iss: wrong }));
    const verifier = verifierFor(issuer, { insecureIssuers: [wrong] });
    const result = await verifier.verify(jwt, { issuer: wrong, audience: issuer.audience });
    expectRefused(
      result,
      /^discovery at \S+\/nowhere\/\.well-known\/openid-configuration answered HTTP 404$/,
    );
    expect(result).not.toHaveProperty('unavailable');
  });

  it('says an issuer that does not answer in time is unreachable, and marks it unavailable', async () => {
    const issuer = await issuerOf();
    issuer.setAnswerDelay(3000);
    const jwt = await issuer.sign(issuer.githubClaims());
    const result = await verifierFor(issuer, { timeoutMs: 200 }).verify(jwt, expectationOf(issuer));
    expectRefused(result, /^issuer unreachable: discovery at \S+ no answer within 200 ms$/, jwt);
    expect(result).toMatchObject({ unavailable: true });
  });

  it('says an issuer that refuses connections is unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const issuer = await issuerOf();
    const gone = `http://127.0.0.1:${port}`;
    const jwt = await issuer.sign(issuer.githubClaims({ iss: gone }));
    const verifier = new OidcIssuers({ clock, insecureIssuers: [gone], timeoutMs: 1000 });
    const result = await verifier.verify(jwt, { issuer: gone, audience: issuer.audience });
    expectRefused(result, /^issuer unreachable: discovery at \S+: ECONNREFUSED$/);
    expect(result).toMatchObject({ unavailable: true });
  });
});

describe('peekClaims', () => {
  it('reads iss and the audiences of a token without verifying it', async () => {
    const issuer = await issuerOf();
    expect(peekClaims(issuer.signNone(issuer.githubClaims()))).toEqual({
      iss: issuer.issuer,
      aud: [issuer.audience],
    });
    expect(peekClaims(issuer.signNone(issuer.githubClaims({ aud: ['a', 7, 'b'] })))).toEqual({
      iss: issuer.issuer,
      aud: ['a', 'b'],
    });
    expect(peekClaims(issuer.signNone(issuer.githubClaims({ aud: undefined })))?.aud).toEqual([]);
  });

  it.each([
    ['garbage', 'not a jwt'],
    ['no iss', 'eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.'],
    ['a number', 42],
    ['oversized', `eyJhbGciOiJub25lIn0.${'A'.repeat(17_000)}.`],
  ])('answers null for %s', (_name, jwt) => {
    expect(peekClaims(jwt)).toBeNull();
  });
});
