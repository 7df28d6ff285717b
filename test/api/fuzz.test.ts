import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { type Operation, operationKey, operations } from '../helpers/routes.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken } from '../helpers/tokens.js';

// Property-based fuzzing of every documented route: wrong types, huge values, unicode,
// null bytes, __proto__ and constructor keys, wrong content types, odd headers. Whatever
// comes in, the answer is never a 5xx, and a refused request leaves the store as it was.
// SQLite takes the bulk of the runs; PostgreSQL a share, to keep CI within its budget.
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const runs = { sqlite: Math.round(10_000 * scale), postgres: Math.round(2_000 * scale) };

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '\u0000',
    'a\u0000b',
    '%00',
    '..%2F..',
    '%ZZ',
    "' OR 1=1 --",
    '\u202e',
    '\ud800',
    '𝕏'.repeat(50),
    'x'.repeat(5000),
    '-1',
    '1e400',
    'null',
    'true',
  ),
);

const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    hostileText,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        hostileText,
        fc.constantFrom(
          'name',
          'key',
          'email',
          'permissions',
          'projects',
          'expiresAt',
          'role',
          'plan',
          'active',
        ),
      ),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

const rawBody = fc.oneof(
  jsonish.map((value) => JSON.stringify(value) ?? 'null'),
  fc.constantFrom(
    '{"__proto__": {"instanceAdmin": true}}',
    '{"constructor": {"prototype": {"x": 1}}}',
    '{"a": {"__proto__": null}}',
    '{',
    '',
    'not json',
    '[1,2,',
    `{"name": "${'y'.repeat(2_000_000)}"}`,
  ),
);

/** Percent-encodes every UTF-8 byte (a lone surrogate becomes U+FFFD, as a client would send). */
function encodePart(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

describeEachEngine('fuzzing every route', (engine) => {
  let t: TestApp;
  let ops: Operation[];
  let admin: TestSession;
  let values: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    ops = await operations(t.app);
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin, plan: 'enterprise' });
    await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key: 'existing', name: 'Existing' },
    });
    const created = await createOrgToken(t, admin, org.key, { expiresAt: null });
    token = created.token;
    values = { org: org.key, projectKey: 'existing', userId: admin.user.id, tokenId: created.id };
  });
  afterAll(() => t.close());

  const digest = () => storeDigest(t.store);

  it(`answers ${runs[engine]} random requests without a 5xx, and refusals change nothing`, async () => {
    let baseline = await digest();
    let sent = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ops),
        fc.dictionary(
          fc.constantFrom('org', 'projectKey', 'userId', 'tokenId', 'analysisId'),
          hostileText,
        ),
        fc.dictionary(
          fc.oneof(
            hostileText,
            fc.constantFrom(
              'limit',
              'cursor',
              'status',
              'q',
              'format',
              'level',
              'rule',
              'since',
              'action',
            ),
          ),
          hostileText,
          { maxKeys: 4 },
        ),
        fc.option(rawBody, { nil: undefined }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
          'multipart/form-data; boundary=x',
          undefined,
        ),
        fc.constantFrom('session', 'session-no-csrf', 'token', 'basic-token', 'junk', 'none'),
        async (operation, hostileParams, query, body, contentType, as) => {
          const url =
            operation.path.replace(/\{(\w+)\}/g, (_, name: string) =>
              encodePart(hostileParams[name] ?? values[name] ?? 'x'),
            ) +
            (Object.keys(query).length
              ? `?${new URLSearchParams(query as Record<string, string>)}`
              : '');
          const headers: Record<string, string> = {};
          if (contentType) headers['content-type'] = contentType;
          if (as === 'token') headers.authorization = `Bearer ${token}`;
          if (as === 'basic-token')
            headers.authorization = `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
          if (as === 'junk')
            headers.authorization = `Bearer ${hostileText.toString().slice(0, 20)}\u0001`;
          const session = as === 'session' || as === 'session-no-csrf' ? admin : null;
          const response = await t.request(session, {
            method: operation.method as 'POST',
            url,
            csrf: as === 'session',
            headers,
            ...(body === undefined || operation.method === 'GET' ? {} : { payload: body }),
          });
          sent += 1;
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          expect(
            response.statusCode,
            `${operationKey(operation)} ${url.slice(0, 120)}`,
          ).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.json().error.code, url.slice(0, 80)).toEqual(expect.any(String));
            expect(await digest(), `a refused ${operationKey(operation)} changed the store`).toBe(
              baseline,
            );
          } else {
            baseline = await digest();
          }
        },
      ),
      // A fixed seed keeps CI reproducible; FUZZ_SEED explores other inputs.
      { numRuns: runs[engine], seed: Number(process.env.FUZZ_SEED ?? 20261129) },
    );
    console.log(`fuzz [${engine}]: ${sent} requests, statuses`, Object.fromEntries(statuses));
    expect(sent).toBe(runs[engine]);
  }, 600_000);
});
