import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { seedRouteObjects } from '../helpers/fixtures.js';
import { fillPath, type Operation, operationKey, operations } from '../helpers/routes.js';
import { storeDigest } from '../helpers/store-digest.js';

// Hostile and malformed input against every route that takes a body, sent by an instance
// admin with a valid CSRF token so that nothing but the input itself can be refused.
// Every answer must be a 4xx with the documented error body: never a 500, never a success.

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false }));
const wrongTypes: unknown[] = [null, 0, -1, 1.5, true, 'text', [], [1, 2], {}, { a: 1 }];

function hostileBodies(operation: Operation): Array<[string, string]> {
  const props = Object.keys(operation.bodySchema?.properties ?? {});
  const cases: Array<[string, string]> = [
    ['malformed JSON', '{"email": '],
    ['trailing garbage', '{}}'],
    ['a JSON array', '[]'],
    ['a JSON string', '"hello"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['an unknown field', JSON.stringify({ notAField: 1 })],
    ['a __proto__ key', '{"__proto__": {"instanceAdmin": true}}'],
    ['a nested __proto__ key', '{"a": {"__proto__": {"x": 1}}}'],
    ['a constructor key', '{"constructor": {"prototype": {"instanceAdmin": true}}}'],
    ['a null byte', JSON.stringify(Object.fromEntries(props.map((p) => [p, 'a\u0000b'])))],
    ['invalid UTF-16 surrogate', `{"${props[0] ?? 'x'}": "\\ud800"}`],
  ];
  for (const prop of props) {
    const schema = operation.bodySchema?.properties?.[prop] ?? {};
    const accepts = ajv.compile(schema);
    for (const value of wrongTypes) {
      // A value the property's own schema accepts is not a wrong type (`true`, `null`, `[]`).
      if (accepts(value)) continue;
      cases.push([`${prop} = ${JSON.stringify(value)}`, JSON.stringify({ [prop]: value })]);
    }
    cases.push([`${prop} oversized`, JSON.stringify({ [prop]: 'x'.repeat(100_000) })]);
    cases.push([`${prop} unicode`, JSON.stringify({ [prop]: '\u202e\uFEFF𝕏'.repeat(50) })]);
  }
  return cases;
}

describeEachEngine('hostile input', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let ops: Operation[];
  let params: Record<string, string>;
  let snapshot: () => Promise<string>;

  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    ops = await operations(t.app);
    // Enterprise: every route's body reaches its own checks, none stops at the plan.
    const org = await t.createOrg(root, { plan: 'enterprise' });
    const user = await t.createUser();
    await t.addMember(root, org.key, root.user.id, 'admin');
    const seeded = await seedRouteObjects(t, root, org.key);
    params = { ...seeded, org: org.key, userId: user.id };
    snapshot = () => storeDigest(t.store);
  });
  afterAll(() => t.close());

  function expectClientError(
    response: { statusCode: number; json: () => { error: Record<string, unknown> } },
    what: string,
    status = 400,
  ): void {
    expect(response.statusCode, what).toBe(status);
    const body = response.json();
    expect(body.error, what).toMatchObject({
      code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED',
      message: expect.any(String),
      requestId: expect.any(String),
    });
  }

  it('answers 400 with the error body to every malformed or hostile JSON body', async () => {
    const before = await snapshot();
    let sent = 0;
    for (const operation of ops.filter((o) => o.bodySchema)) {
      for (const [name, payload] of hostileBodies(operation)) {
        const response = await t.request(root, {
          method: operation.method as 'POST',
          url: fillPath(operation.path, params),
          payload,
          headers: { 'content-type': 'application/json' },
        });
        expectClientError(response, `${operationKey(operation)}: ${name}`);
        sent += 1;
      }
    }
    expect(sent).toBeGreaterThan(300);
    expect(await snapshot()).toBe(before);
  });

  it('answers 400 to bodies in other content types', async () => {
    const before = await snapshot();
    const types = [
      ['text/plain', 'email=a'],
      ['application/x-www-form-urlencoded', 'email=a%40b.c&password=x'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
      ],
      ['application/xml', '<a/>'],
      ['application/json; charset=utf-16', '{}'],
    ];
    for (const operation of ops.filter((o) => o.bodySchema)) {
      for (const [type, payload] of types) {
        const response = await t.request(root, {
          method: operation.method as 'POST',
          url: fillPath(operation.path, params),
          payload,
          headers: { 'content-type': type as string },
        });
        expectClientError(response, `${operationKey(operation)} as ${type}`);
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('answers 400 to a missing body where one is required', async () => {
    for (const operation of ops.filter((o) => o.bodySchema)) {
      const response = await t.request(root, {
        method: operation.method as 'POST',
        url: fillPath(operation.path, params),
      });
      expectClientError(response, operationKey(operation));
    }
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over the limit', async () => {
    const response = await t.request(root, {
      method: 'POST',
      url: '/api/v1/orgs',
      payload: JSON.stringify({ key: 'big', name: 'x'.repeat(2 * 1024 * 1024), plan: 'free' }),
      headers: { 'content-type': 'application/json' },
    });
    expectClientError(response, 'oversized body', 413);
  });

  it('answers 4xx, never 5xx, to hostile path parameters', async () => {
    const hostile = [
      'a'.repeat(5000),
      '%00',
      '..%2F..%2Fetc%2Fpasswd',
      '%E2%80%AE',
      '%F0%9F%92%A9',
      '%ZZ',
      "'; DROP TABLE users; --",
      '__proto__',
      'constructor',
    ];
    for (const operation of ops.filter((o) => o.path.includes('{'))) {
      const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
      // One parameter hostile at a time, the others real, so each one is what gets refused.
      for (const target of names) {
        for (const value of hostile) {
          const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) =>
            name === target ? value : encodeURIComponent(params[name] ?? ''),
          );
          const response = await t.request(root, {
            method: operation.method as 'GET',
            url,
            ...(operation.bodySchema ? { payload: {} } : {}),
          });
          const what = `${operationKey(operation)} with ${target}=${value.slice(0, 20)}`;
          expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
          expect(response.statusCode, what).toBeLessThan(500);
          expect(response.json().error.code, what).toEqual(expect.any(String));
        }
      }
    }
  });

  it('answers 400, never 5xx, to hostile query strings', async () => {
    const queries = [
      'limit=abc',
      'limit=-1',
      'limit=1e400',
      'limit=1&limit=2',
      'cursor=%00',
      `cursor=${'A'.repeat(2000)}`,
      `cursor=${Buffer.from('{"__proto__":1}').toString('base64url')}`,
      `cursor=${Buffer.from('["a","b","c"]').toString('base64url')}`,
      '__proto__[x]=1',
      'constructor=1',
    ];
    for (const operation of ops.filter(
      (o) => o.method === 'GET' && !o.path.startsWith('/api/v1/session'),
    )) {
      for (const query of queries) {
        const response = await t.request(root, {
          method: 'GET',
          url: `${fillPath(operation.path, params)}?${query}`,
        });
        expect(
          response.statusCode,
          `${operationKey(operation)}?${query.slice(0, 30)}`,
        ).toBeLessThan(500);
      }
    }
  });

  it('answers 400, never 5xx, to NUL characters that would reach the store', async () => {
    const nulCursor = Buffer.from(JSON.stringify(['a\u0000b'])).toString('base64url');
    const base = `/api/v1/orgs/${params.org}`;
    const requests = [
      { method: 'GET', url: `${base}/projects?cursor=${nulCursor}` },
      { method: 'GET', url: `${base}/tokens?q=%00` },
      {
        method: 'GET',
        url: `${base}/projects/existing/analyses/${params.analysisId}/issues?rule=%00`,
      },
      { method: 'POST', url: '/api/user_tokens/generate?name=a%00b' },
      {
        method: 'POST',
        url: `${base}/projects/existing/analyses?format=sarif`,
        payload: {
          version: '2.1.0',
          runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'a\u0000b' } }] }],
        },
      },
    ] as const;
    for (const request of requests) {
      const response = await t.request(root, request);
      expect(response.statusCode, request.url).toBe(400);
    }
    const basic = await t.app.inject({
      method: 'POST',
      url: '/api/user_tokens/generate?name=x',
      headers: {
        authorization: `Basic ${Buffer.from('a\u0000b@example.test:password').toString('base64')}`,
      },
    });
    expect(basic.statusCode).toBeLessThan(500);
  });

  it('answers 400, never 5xx, to hostile headers', async () => {
    const headers = [
      { cookie: 'orgtoken_session=%00%FF' },
      { cookie: `orgtoken_session=${'x'.repeat(4000)}` },
      { cookie: 'orgtoken_session="unterminated' },
      { 'x-csrf-token': 'x'.repeat(4000) },
      { 'content-length': 'abc' },
    ];
    for (const header of headers) {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: header });
      expect(response.statusCode, JSON.stringify(header).slice(0, 40)).toBeLessThan(500);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('error body for unknown routes', () => {
  it('answers 404 NOT_FOUND with the error body', async () => {
    const t = await createTestApp('sqlite');
    try {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatchObject({
        code: 'NOT_FOUND',
        requestId: expect.any(String),
      });
      expect(response.headers['x-request-id']).toBe(response.json().error.requestId);
    } finally {
      await t.close();
    }
  });
});
