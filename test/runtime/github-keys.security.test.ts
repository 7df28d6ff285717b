import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/domain/clock.js';
import {
  GithubScanningKeys,
  type GithubScanningKeysOptions,
  type GithubSignatureVerification,
  githubKeysCacheMs,
  githubUnknownKeyRefetchMs,
} from '../../src/runtime/github-keys.js';
import {
  type GithubKeysServer,
  type GithubSignature,
  startGithubKeysServer,
} from '../helpers/github-keys-server.js';

const closers: (() => Promise<void>)[] = [];

/**
 * A clock moved by hand. Not test/helpers/app.ts's TestClock: importing that module loads the
 * whole server.
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

async function keysServer(): Promise<GithubKeysServer> {
  const server = await startGithubKeysServer();
  closers.push(() => server.close());
  return server;
}

function verifierFor(server: GithubKeysServer, options: Partial<GithubScanningKeysOptions> = {}) {
  return new GithubScanningKeys({ clock, keysUrl: server.keysUrl, ...options });
}

/** A report body as GitHub sends it: compact JSON, one object per match. */
function reportBody(token = 'ot_example_token_not_real'): string {
  return JSON.stringify([
    {
      token,
      type: 'orgtoken_organization_token',
      url: 'https://github.com/octo-org/ledger/blob/8f3e2a1/config/ci.env',
      source: 'content',
    },
  ]);
}

const headersOf = (signed: GithubSignature) => ({
  keyIdentifier: signed.keyIdentifier,
  signature: signed.signature,
});

/** A refusal about the request (never `unavailable`) whose reason matches and holds no signature. */
function expectRefused(
  result: GithubSignatureVerification,
  reason: RegExp,
  signature?: string,
): void {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('accepted');
  expect(result.unavailable).toBeUndefined();
  expect(result.reason).toMatch(reason);
  if (signature !== undefined && signature.length > 8) {
    expect(result.reason).not.toContain(signature);
  }
}

function expectUnavailable(result: GithubSignatureVerification, reason: RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('accepted');
  expect(result.unavailable).toBe(true);
  expect(result.reason).toMatch(reason);
}

describe('accepted reports', () => {
  it('accepts a report signed by the current key over its raw bytes', async () => {
    const server = await keysServer();
    const body = reportBody();
    const result = await verifierFor(server).verify(
      Buffer.from(body),
      headersOf(server.sign(body)),
    );
    expect(result).toEqual({ ok: true });
    expect(server.fetches).toBe(1);
  });

  it('verifies the bytes as received, including non-ASCII text and odd whitespace', async () => {
    const server = await keysServer();
    const body = Buffer.from(
      '[ {"token":"ot_x","type":"t","url":"https://github.com/ü/ß","source":"issue_comment"} ]\n',
    );
    const result = await verifierFor(server).verify(body, headersOf(server.sign(body)));
    expect(result).toEqual({ ok: true });
  });

  it('fetches the key list once across many verifications, concurrent ones included', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const bodies = Array.from({ length: 10 }, (_, index) => reportBody(`ot_token_${index}`));
    const concurrent = await Promise.all(
      bodies.map((body) => verifier.verify(Buffer.from(body), headersOf(server.sign(body)))),
    );
    expect(concurrent.every((result) => result.ok)).toBe(true);
    for (const body of bodies) {
      clock.advance(60_000);
      expect(await verifier.verify(Buffer.from(body), headersOf(server.sign(body)))).toEqual({
        ok: true,
      });
    }
    expect(server.fetches).toBe(1);
  });

  it('fetches the key list again once it is an hour old', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const headers = headersOf(server.sign(body));
    await verifier.verify(Buffer.from(body), headers);
    clock.advance(githubKeysCacheMs - 1);
    await verifier.verify(Buffer.from(body), headers);
    expect(server.fetches).toBe(1);
    clock.advance(1);
    expect(await verifier.verify(Buffer.from(body), headers)).toEqual({ ok: true });
    expect(server.fetches).toBe(2);
  });
});

describe('refused reports', () => {
  it('refuses a signature over a re-serialised body (parsed, then stringified with other whitespace)', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const signed = server.sign(body);
    const reserialised = JSON.stringify(JSON.parse(body), null, 2);
    expect(JSON.parse(reserialised)).toEqual(JSON.parse(body));
    expectRefused(
      await verifier.verify(Buffer.from(reserialised), headersOf(signed)),
      /signature does not verify/,
      signed.signature,
    );
    // Even one added trailing newline is another body.
    expectRefused(
      await verifier.verify(Buffer.from(`${body}\n`), headersOf(signed)),
      /signature does not verify/,
    );
  });

  it("refuses a genuine signature moved onto another report's body", async () => {
    const server = await keysServer();
    const signed = server.sign(reportBody('ot_first'));
    expectRefused(
      await verifierFor(server).verify(Buffer.from(reportBody('ot_second')), headersOf(signed)),
      /signature does not verify/,
    );
  });

  it('refuses a report without the key identifier header, without fetching keys', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const { signature } = server.sign(body);
    for (const keyIdentifier of [undefined, '']) {
      expectRefused(
        await verifier.verify(Buffer.from(body), { keyIdentifier, signature }),
        /^missing header Github-Public-Key-Identifier$/,
      );
    }
    expect(server.fetches).toBe(0);
  });

  it('refuses a report without the signature header, without fetching keys', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    for (const signature of [undefined, '']) {
      expectRefused(
        await verifier.verify(Buffer.from(reportBody()), {
          keyIdentifier: server.keyIdentifier,
          signature,
        }),
        /^missing header Github-Public-Key-Signature$/,
      );
    }
    expect(server.fetches).toBe(0);
  });

  it('refuses a signature header that is not base64, without fetching keys', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const genuine = server.sign(body).signature;
    // Node's decoder would skip the `!`, the space and the `-`, and decode what is left.
    const garbage = [
      'not base64!',
      `${genuine.slice(0, 8)} ${genuine.slice(8)}`,
      `${genuine.slice(0, 4)}-_${genuine.slice(6)}`,
      genuine.slice(0, -1),
      '====',
    ];
    for (const signature of garbage) {
      expectRefused(
        await verifier.verify(Buffer.from(body), {
          keyIdentifier: server.keyIdentifier,
          signature,
        }),
        /is not base64/,
      );
    }
    expect(server.fetches).toBe(0);
  });

  it('refuses a signature header far longer than a signature, without fetching keys', async () => {
    const server = await keysServer();
    const signature = Buffer.alloc(600, 7).toString('base64');
    expectRefused(
      await verifierFor(server).verify(Buffer.from(reportBody()), {
        keyIdentifier: server.keyIdentifier,
        signature,
      }),
      /longer than any signature GitHub sends/,
    );
    expect(server.fetches).toBe(0);
  });

  it('refuses a key identifier header that cannot be an identifier, without fetching keys', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const { signature } = server.sign(body);
    for (const keyIdentifier of ['a'.repeat(257), 'has space', 'tab\there', 'ünïcode']) {
      expectRefused(
        await verifier.verify(Buffer.from(body), { keyIdentifier, signature }),
        /is not a key identifier/,
      );
    }
    expect(server.fetches).toBe(0);
  });

  it('refuses base64 that is not a DER signature', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    for (const signature of ['AAAA', Buffer.alloc(64, 1).toString('base64')]) {
      expectRefused(
        await verifier.verify(Buffer.from(reportBody()), {
          keyIdentifier: server.keyIdentifier,
          signature,
        }),
        /signature does not verify/,
      );
    }
  });

  it('refuses a P-256 signature by a key not in the list, under the current identifier', async () => {
    const server = await keysServer();
    const body = reportBody();
    const forged = server.unlistedKey().sign(body);
    expectRefused(
      await verifierFor(server).verify(Buffer.from(body), {
        keyIdentifier: server.keyIdentifier,
        signature: forged.signature,
      }),
      /signature does not verify/,
      forged.signature,
    );
  });

  it("refuses the current key's signature presented under another listed key's identifier", async () => {
    const server = await keysServer();
    const body = reportBody();
    const signed = server.sign(body);
    server.rotateKey();
    const verifier = verifierFor(server);
    expect(await verifier.verify(Buffer.from(body), headersOf(signed))).toEqual({ ok: true });
    expectRefused(
      await verifier.verify(Buffer.from(body), {
        keyIdentifier: server.keyIdentifier,
        signature: signed.signature,
      }),
      /signature does not verify/,
    );
  });

  it.each([
    ['rsa', /is an rsa key, not EC P-256/],
    ['ed25519', /is an ed25519 key, not EC P-256/],
    ['p384', /is on curve secp384r1, not P-256/],
  ] as const)(
    'ignores a listed %s key: its valid signature is refused, the P-256 key still verifies',
    async (kind, reason) => {
      const server = await keysServer();
      const foreign = server.listForeignKey(kind);
      const verifier = verifierFor(server);
      const body = reportBody();
      expectRefused(
        await verifier.verify(Buffer.from(body), headersOf(foreign.sign(body))),
        reason,
      );
      expect(await verifier.verify(Buffer.from(body), headersOf(server.sign(body)))).toEqual({
        ok: true,
      });
      // The listed key is known to be unusable: naming it makes no refetch.
      expect(server.fetches).toBe(1);
    },
  );

  it('refuses a body that is not a Buffer instead of throwing', async () => {
    const server = await keysServer();
    const body = reportBody();
    const result = await verifierFor(server).verify(
      body as unknown as Buffer,
      headersOf(server.sign(body)),
    );
    expectRefused(result, /raw bytes/);
  });
});

describe('unknown key identifiers', () => {
  it('refuses an unknown identifier after one refetch, and refetches at most once a minute', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    expect(await verifier.verify(Buffer.from(body), headersOf(server.sign(body)))).toEqual({
      ok: true,
    });
    expect(server.fetches).toBe(1);

    const first = server.unlistedKey().sign(body);
    expectRefused(
      await verifier.verify(Buffer.from(body), headersOf(first)),
      /^unknown key identifier/,
    );
    expect(server.fetches).toBe(2);

    const second = server.unlistedKey().sign(body);
    clock.advance(githubUnknownKeyRefetchMs - 1000);
    expectRefused(
      await verifier.verify(Buffer.from(body), headersOf(second)),
      /^unknown key identifier/,
    );
    expect(server.fetches).toBe(2);

    clock.advance(1000);
    expectRefused(
      await verifier.verify(Buffer.from(body), headersOf(second)),
      /^unknown key identifier/,
    );
    expect(server.fetches).toBe(3);
  });

  it('makes one refetch for many concurrent reports with unknown identifiers', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    await verifier.verify(Buffer.from(body), headersOf(server.sign(body)));
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        verifier.verify(Buffer.from(body), headersOf(server.unlistedKey().sign(body))),
      ),
    );
    for (const result of results) expectRefused(result, /^unknown key identifier/);
    expect(server.fetches).toBe(2);
  });

  it('accepts a key GitHub rotated in during the run after one refetch, and still the old one', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const old = server.sign(body);
    expect(await verifier.verify(Buffer.from(body), headersOf(old))).toEqual({ ok: true });

    const newIdentifier = server.rotateKey();
    const rotated = server.sign(body);
    expect(rotated.keyIdentifier).toBe(newIdentifier);
    expect(await verifier.verify(Buffer.from(body), headersOf(rotated))).toEqual({ ok: true });
    expect(server.fetches).toBe(2);

    // The old key stays listed (not current): reports GitHub signed with it still verify.
    expect(await verifier.verify(Buffer.from(body), headersOf(old))).toEqual({ ok: true });
    expect(await verifier.verify(Buffer.from(body), headersOf(rotated))).toEqual({ ok: true });
    expect(server.fetches).toBe(2);
  });

  it('refuses a key GitHub removed from the list once the list was fetched again', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const old = server.sign(body);
    expect(await verifier.verify(Buffer.from(body), headersOf(old))).toEqual({ ok: true });

    server.rotateKey({ removeOld: true });
    expect(await verifier.verify(Buffer.from(body), headersOf(server.sign(body)))).toEqual({
      ok: true,
    });
    expect(server.fetches).toBe(2);
    expectRefused(
      await verifier.verify(Buffer.from(body), headersOf(old)),
      /^unknown key identifier/,
    );
    expect(server.fetches).toBe(2);
  });
});

describe('key list unavailable', () => {
  it('answers unavailable when the keys server is down', async () => {
    const server = await keysServer();
    const body = reportBody();
    const headers = headersOf(server.sign(body));
    await server.close();
    expectUnavailable(
      await verifierFor(server).verify(Buffer.from(body), headers),
      /unavailable: .*ECONNREFUSED$/,
    );
  });

  it('answers unavailable on HTTP 500, and verifies once the list is served again', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const headers = headersOf(server.sign(body));
    server.setAnswer({ status: 500, body: '{}' });
    expectUnavailable(await verifier.verify(Buffer.from(body), headers), /answered HTTP 500$/);
    server.setAnswer(null);
    expect(await verifier.verify(Buffer.from(body), headers)).toEqual({ ok: true });
    expect(server.fetches).toBe(2);
  });

  it('answers unavailable on a redirect, which is not followed', async () => {
    const server = await keysServer();
    server.setAnswer({ status: 302 });
    const body = reportBody();
    expectUnavailable(
      await verifierFor(server).verify(Buffer.from(body), headersOf(server.sign(body))),
      /HTTP 302 \(redirects are not followed\)/,
    );
  });

  it('answers unavailable when the list takes longer than the timeout', async () => {
    const server = await keysServer();
    server.setAnswerDelay(1000);
    const body = reportBody();
    const started = Date.now();
    expectUnavailable(
      await verifierFor(server, { timeoutMs: 100 }).verify(
        Buffer.from(body),
        headersOf(server.sign(body)),
      ),
      /no answer within 100 ms/,
    );
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('answers unavailable for a list larger than 64 KiB, not JSON, or not shaped as a list', async () => {
    const server = await keysServer();
    const body = reportBody();
    const headers = headersOf(server.sign(body));
    const answers: [string, RegExp][] = [
      [JSON.stringify({ public_keys: [], padding: 'x'.repeat(65 * 1024) }), /larger than 64 KiB/],
      ['<html>rate limited</html>', /is not JSON/],
      [JSON.stringify({ keys: [] }), /is not a \{public_keys: \[\.\.\.\]\} list/],
      ['null', /is not a \{public_keys/],
    ];
    for (const [answer, reason] of answers) {
      server.setAnswer({ body: answer });
      expectUnavailable(await verifierFor(server).verify(Buffer.from(body), headers), reason);
    }
  });

  it('skips malformed entries and still verifies with the well-formed key', async () => {
    const server = await keysServer();
    const body = reportBody();
    const signed = server.sign(body);
    const valid = await (await fetch(server.keysUrl)).json();
    server.setAnswer({
      body: JSON.stringify({
        public_keys: [
          null,
          { key_identifier: 42, key: 'x' },
          { key_identifier: 'no-pem', key: 'not a pem' },
          ...(valid as { public_keys: unknown[] }).public_keys,
        ],
      }),
    });
    const verifier = verifierFor(server);
    expect(await verifier.verify(Buffer.from(body), headersOf(signed))).toEqual({ ok: true });
    expectRefused(
      await verifier.verify(Buffer.from(body), { keyIdentifier: 'no-pem', signature: 'AAAA' }),
      /is not a PEM public key/,
    );
  });

  it('answers unavailable when the refetch for an unknown identifier fails, until it may run again', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    await verifier.verify(Buffer.from(body), headersOf(server.sign(body)));
    server.rotateKey();
    const rotated = headersOf(server.sign(body));
    server.setAnswer({ status: 503 });
    expectUnavailable(await verifier.verify(Buffer.from(body), rotated), /HTTP 503/);
    expect(server.fetches).toBe(2);
    // Within the minute GitHub's retry is told the same, without another fetch.
    clock.advance(30_000);
    expectUnavailable(await verifier.verify(Buffer.from(body), rotated), /HTTP 503/);
    expect(server.fetches).toBe(2);
    server.setAnswer(null);
    clock.advance(30_000);
    expect(await verifier.verify(Buffer.from(body), rotated)).toEqual({ ok: true });
    expect(server.fetches).toBe(3);
  });

  it('does not verify with an hour-old list that cannot be fetched again', async () => {
    const server = await keysServer();
    const verifier = verifierFor(server);
    const body = reportBody();
    const headers = headersOf(server.sign(body));
    expect(await verifier.verify(Buffer.from(body), headers)).toEqual({ ok: true });
    clock.advance(githubKeysCacheMs);
    server.setAnswer({ status: 500 });
    expectUnavailable(await verifier.verify(Buffer.from(body), headers), /HTTP 500/);
  });
});
