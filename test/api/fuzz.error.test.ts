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
const reportRuns = { sqlite: Math.round(600 * scale), postgres: Math.round(300 * scale) };
const pathRuns = { sqlite: Math.round(2_000 * scale), postgres: Math.round(600 * scale) };

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

// A credential that is not one: random text after a scheme, or the real token mangled. Drawn
// per run, so that every run sends another one.
const junkScheme = fc.constantFrom('Bearer ', 'bearer ', 'Basic ', 'Token ', '', 'Bearer  ');
const junkCredential = (token: string) =>
  fc.oneof(
    fc.tuple(junkScheme, fc.string({ unit: 'binary', maxLength: 80 })).map(([a, b]) => a + b),
    fc
      .tuple(
        junkScheme,
        fc.nat({ max: token.length - 1 }),
        fc.string({ minLength: 1, maxLength: 3 }),
      )
      .map(([scheme, at, text]) => `${scheme}${token.slice(0, at)}${text}${token.slice(at + 1)}`),
    fc.tuple(fc.nat({ max: token.length })).map(([at]) => `Bearer ${token.slice(0, at)}`),
    fc
      .string({ unit: 'binary', maxLength: 60 })
      .map((text) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`),
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

// Numbers where a report has them: at and around the bounds of a 32-bit column and of the
// safe integers, huge, negative, fractional; JSON number literals that JavaScript cannot keep
// (1e400, 2^64); and strings, objects and the like where a number is expected. A literal is
// carried as a marker string and spliced into the JSON text unquoted (see reportText).
const rawMarker = '\u0000raw:';
const rawNumber = fc
  .constantFrom(
    '1e400',
    '-1e400',
    '1E+300',
    '2147483647.0',
    '2147483648.0',
    '1.0',
    '-0',
    '0e0',
    '18446744073709551616',
    '123456789012345678901234567890',
  )
  .map((literal) => `${rawMarker}${literal}`);
const reportNumber: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      0,
      1,
      -1,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 31 + 1,
      -(2 ** 31),
      2 ** 32,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      1e300,
      -1e300,
      0.5,
      1.5,
      -0.5,
      2 ** 31 - 0.5,
      Number.MIN_VALUE,
    ),
  },
  { weight: 2, arbitrary: fc.integer({ min: 2 ** 31 - 3, max: 2 ** 31 + 3 }) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 1000 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 ** 31 - 1 }) },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: rawNumber },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('7', '', '1e300', true, false, [], [1], {}, { value: 1 }, null),
    ),
  },
);
const numberSlot = fc.option(reportNumber, { nil: undefined, freq: 4 });

/** The value the server sees for a slot once the JSON text is parsed. */
function received(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.startsWith(rawMarker)) {
    return JSON.parse(value.slice(rawMarker.length));
  }
  return JSON.parse(JSON.stringify(value));
}

function reportText(report: unknown): string {
  return JSON.stringify(report).replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

// Independent of the parser: what the documentation says a stored line and a lookup index take.
const maxLine = 2_147_483_647;
const storable = (value: unknown) =>
  value === undefined ||
  value === null ||
  (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxLine);
const usableIndex = (value: unknown) =>
  value === undefined || value === null || (Number.isSafeInteger(value) && (value as number) >= -1);

interface NumericCase {
  format: 'sarif' | 'generic';
  report: unknown;
  /** The line each issue is stored with, when every number is acceptable. */
  lines: Array<number | null>;
  /** The places holding a number the server must refuse. */
  refusable: string[];
}

const sarifCase: fc.Arbitrary<NumericCase> = fc
  .array(
    fc.record({
      ruleId: fc.constantFrom('r0', 'r1', 'x0', 'undeclared'),
      ruleIndex: numberSlot,
      reference: fc.option(
        fc.record({ index: numberSlot, component: fc.option(numberSlot, { nil: undefined }) }),
        { nil: undefined },
      ),
      startLine: numberSlot,
      endLine: numberSlot,
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((results) => {
    const refusable: string[] = [];
    const lines: Array<number | null> = [];
    const check = (ok: boolean, place: string) => {
      if (!ok) refusable.push(place);
    };
    results.forEach((result, i) => {
      const at = `/body/runs/0/results/${i}`;
      check(usableIndex(received(result.ruleIndex)), `${at}/ruleIndex`);
      if (result.reference) {
        check(usableIndex(received(result.reference.index)), `${at}/rule/index`);
        check(usableIndex(received(result.reference.component)), `${at}/rule/toolComponent/index`);
      }
      const line = received(result.startLine);
      check(storable(line), `${at}/locations/0/physicalLocation/region/startLine`);
      // + 0: a -0 is stored, and read back, as 0.
      lines.push(typeof line === 'number' ? line + 0 : null);
    });
    const report = {
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'fuzz',
              rules: [{ id: 'r0', defaultConfiguration: { level: 'error' } }, { id: 'r1' }],
            },
            extensions: [{ name: 'plugin', rules: [{ id: 'x0' }] }],
          },
          results: results.map((result) => ({
            ruleId: result.ruleId,
            ruleIndex: result.ruleIndex,
            ...(result.reference
              ? {
                  rule: {
                    index: result.reference.index,
                    ...(result.reference.component === undefined
                      ? {}
                      : { toolComponent: { index: result.reference.component } }),
                  },
                }
              : {}),
            message: { text: 'finding' },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: 'src/a.ts' },
                  region: { startLine: result.startLine, endLine: result.endLine },
                },
              },
            ],
          })),
        },
      ],
    };
    return { format: 'sarif' as const, report, lines, refusable };
  });

const genericCase: fc.Arbitrary<NumericCase> = fc
  .array(
    fc.option(
      fc.record({
        startLine: numberSlot,
        endLine: numberSlot,
        startColumn: numberSlot,
        endColumn: numberSlot,
      }),
      { nil: undefined },
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((ranges) => {
    const refusable: string[] = [];
    const lines: Array<number | null> = [];
    ranges.forEach((range, i) => {
      const line = received(range?.startLine);
      if (!storable(line)) refusable.push(`/body/issues/${i}/primaryLocation/textRange/startLine`);
      lines.push(typeof line === 'number' ? line + 0 : null);
    });
    const report = {
      issues: ranges.map((range, i) => ({
        engineId: 'fuzz',
        ruleId: `rule-${i}`,
        severity: 'MAJOR',
        primaryLocation: {
          message: 'finding',
          filePath: 'src/a.ts',
          ...(range === undefined ? {} : { textRange: range }),
        },
      })),
    };
    return { format: 'generic' as const, report, lines, refusable };
  });

// Path parameters as a client or an attacker may send them: near-valid keys and ids, dots,
// slashes and their encodings, bad percent-encoding, over-long, unicode, invisible characters.
const pathText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,70}$/),
  fc.uuid().map((id) => (id.length % 2 ? id.toUpperCase() : `{${id}}`)),
  fc.uuid(),
  fc.nat({ max: 300 }).map((n) => 'a'.repeat(n)),
  fc.constantFrom(
    '.',
    '..',
    '...',
    '.hidden',
    'trailing.',
    'a..b',
    '~',
    '-',
    '-1',
    '0',
    '1e400',
    '__proto__',
    'constructor',
    'null',
    '\u202e',
    '\ufeff',
    '𝕏',
    'a'.repeat(10_000),
  ),
);
// How a value is put in the URL: each byte percent-encoded, printable ASCII as is (a `%` of the
// text arrives as the start of an escape), or encoded twice; the literals below go in as they
// are (`%2F`, `%ZZ`, `..`).
const pathEncoding = fc.constantFrom('encoded', 'verbatim', 'twice');
const literalText = fc.constantFrom(
  '%2F',
  '%2f',
  'a%2Fb',
  '..%2F..',
  '%2e%2e',
  '%2E',
  '%00',
  '%',
  '%Z',
  '%ZZ',
  '%C0%AF',
  '%FF',
  '%E2%80%AE',
  '%EF%BB%BF',
  'a%20b',
  'a+b',
  '..',
  '.',
);

const pathValue = fc.oneof(
  { weight: 3, arbitrary: fc.record({ text: pathText, encoding: pathEncoding }) },
  { weight: 1, arbitrary: literalText.map((text) => ({ text, encoding: 'literal' })) },
);

const smallBody = fc.oneof(
  jsonish.map((value) => JSON.stringify(value) ?? 'null'),
  fc.constantFrom('{', '', 'not json', '{"name": "x"}', '{"active": false}', '[]'),
);

function placeInPath({ text, encoding }: { text: string; encoding: string }): string {
  if (encoding === 'literal') return text;
  if (encoding === 'twice') return encodePart(encodePart(text));
  if (encoding === 'verbatim' && /^[\x21-\x7e]*$/.test(text) && !/[?#/]/.test(text)) return text;
  return encodePart(text);
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

  // The two families below come first: the random requests of the last one sign sessions
  // out, remove members, delete projects and revoke tokens, which these need.
  it('stores the numbers of a report exactly, or refuses them naming the place: never a 500', async () => {
    const projectUrl = `/api/v1/orgs/${values.org}/projects/existing`;
    let baseline = await digest();
    const counts = { stored: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.oneof(sarifCase, genericCase), async (testCase) => {
        const response = await t.request(admin, {
          method: 'POST',
          url: `${projectUrl}/analyses?format=${testCase.format}`,
          csrf: true,
          headers: { 'content-type': 'application/json' },
          payload: reportText(testCase.report),
        });
        const what = `${testCase.format} ${reportText(testCase.report).slice(0, 600)}`;
        if (testCase.refusable.length > 0) {
          expect(response.statusCode, what).toBe(400);
          const error = response.json().error;
          expect(error.code, what).toBe('VALIDATION_FAILED');
          expect(testCase.refusable, what).toContain(error.field);
          expect(await digest(), 'a refused report changed the store').toBe(baseline);
          counts.refused += 1;
          return;
        }
        expect(response.statusCode, `${what}\n${response.body}`).toBe(201);
        const issues = await t.request(admin, {
          method: 'GET',
          url: `${projectUrl}/analyses/${response.json().id}/issues?limit=200`,
        });
        expect(issues.statusCode).toBe(200);
        const stored = (issues.json().items as Array<{ line: number | null }>).map((i) => i.line);
        expect(stored, what).toEqual(testCase.lines);
        baseline = await digest();
        counts.stored += 1;
      }),
      { numRuns: reportRuns[engine], seed: Number(process.env.FUZZ_SEED ?? 20261129) },
    );
    console.log(`fuzz report values [${engine}]:`, counts);
    // Both outcomes must have been exercised, or the property proved little.
    expect(counts.stored).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  }, 600_000);

  it('refuses malformed or unknown path parameters with a 4xx, never a 500 or a success', async () => {
    const withParams = ops.filter((operation) => operation.path.includes('{'));
    const baseline = await digest();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withParams),
        fc.array(fc.record({ value: pathValue, keepReal: fc.boolean() }), {
          minLength: 3,
          maxLength: 3,
        }),
        fc.nat({ max: 2 }),
        // Small bodies: a body over the limit is a 413 whatever the path says.
        fc.option(smallBody, { nil: undefined }),
        fc.constantFrom('session', 'token', 'none'),
        async (operation, choices, hostileAt, body, as) => {
          const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
          // At least one parameter is hostile, so that no request names only real objects.
          const hostile = hostileAt % names.length;
          const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
            const i = names.indexOf(name);
            const choice = choices[i];
            const real = values[name];
            if (i !== hostile && choice?.keepReal && real !== undefined) return real;
            return placeInPath(choice?.value ?? { text: 'x', encoding: 'encoded' });
          });
          const response = await t.request(as === 'session' ? admin : null, {
            method: operation.method as 'POST',
            url,
            csrf: as === 'session',
            headers: {
              ...(as === 'token' ? { authorization: `Bearer ${token}` } : {}),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined || operation.method === 'GET' ? {} : { payload: body }),
          });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          expect(
            [400, 401, 403, 404],
            `${operationKey(operation)} ${url.slice(0, 160)}: ${response.statusCode} ${response.body.slice(0, 200)}`,
          ).toContain(response.statusCode);
          expect(response.json().error.code).toEqual(expect.any(String));
        },
      ),
      { numRuns: pathRuns[engine], seed: Number(process.env.FUZZ_SEED ?? 20261129) },
    );
    console.log(`fuzz path parameters [${engine}]: statuses`, Object.fromEntries(statuses));
    expect(await digest(), 'a refused request changed the store').toBe(baseline);
  }, 600_000);

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
        junkCredential(token),
        async (operation, hostileParams, query, body, contentType, as, junk) => {
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
          if (as === 'junk') headers.authorization = junk;
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
