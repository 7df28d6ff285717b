import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken } from '../helpers/tokens.js';

/** A body of `size` bytes that counts how much of it the server pulled. */
function countedBody(size: number): { stream: Readable; read: () => number } {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const stream = new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, read: () => sent };
}

describeEachEngine('path parameters are refused before the body is read', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(engine);
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
    token = (await createOrgToken(t, admin, org.key)).token;
  });
  afterAll(() => t.close());

  it('answers an upload to a malformed project key by its parameter, not by its body', async () => {
    for (const projectKey of ['bad%20key', 'a%2Fb', `${'k'.repeat(101)}`, '%E2%80%8Bkey']) {
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects/${projectKey}/analyses?format=sarif`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        // Not even JSON: reading it would answer with a /body error.
        payload: '{"version": ',
      });
      expect(response.statusCode, projectKey).toBe(400);
      expect(response.json().error.field, projectKey).toBe('/params/projectKey');
    }
  });

  it('does not read a large upload body to a malformed address', async () => {
    const body = countedBody(40 * 1024 * 1024);
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects/bad%20key/analyses?format=sarif`,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(40 * 1024 * 1024),
      },
      payload: body.stream,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('/params/projectKey');
    // At most what streams buffer ahead by themselves, never the body.
    expect(body.read()).toBeLessThan(2 * 1024 * 1024);
  });

  it('answers a malformed organization key or id before the body on other routes too', async () => {
    const cases = [
      { method: 'PUT', url: `/api/v1/orgs/Bad_Org/token-policy`, field: '/params/org' },
      {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}/tokens/not-a-uuid`,
        field: '/params/tokenId',
      },
      {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/members/not-a-uuid`,
        field: '/params/userId',
      },
    ] as const;
    for (const c of cases) {
      const response = await t.request(admin, {
        method: c.method,
        url: c.url,
        headers: { 'content-type': 'application/json' },
        payload: '{"broken": ',
      });
      expect(response.statusCode, c.url).toBe(400);
      expect(response.json().error.field, c.url).toBe(c.field);
    }
  });
});
