import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';

describeEachEngine('the CLI served at /cli/orgtoken.mjs', (engine) => {
  let t: TestApp;
  let session: TestSession;
  beforeAll(async () => {
    t = await createTestApp(engine);
    session = await t.newSession();
  });
  afterAll(() => t.close());

  it('serves the file and its checksum to anyone, with revalidating cache headers', async () => {
    // Credentials are never looked at, not even a malformed header.
    const file = await t.app.inject({
      url: '/cli/orgtoken.mjs',
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(file.headers['cache-control']).toBe('no-cache');
    const digest = createHash('sha256').update(file.rawPayload).digest('hex');
    expect(file.headers.etag).toBe(`"${digest}"`);
    expect(file.headers['x-content-type-options']).toBe('nosniff');

    const checksum = await t.app.inject({ url: '/cli/orgtoken.mjs.sha256' });
    expect(checksum.statusCode).toBe(200);
    expect(checksum.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(checksum.headers['cache-control']).toBe('no-cache');
    expect(checksum.headers.etag).toBe(`"${digest}"`);
    expect(checksum.body).toBe(`${digest}  orgtoken.mjs\n`);
  });

  it('answers 304 to a cache that holds the current file, and the file to one that does not', async () => {
    const first = await t.app.inject({ url: '/cli/orgtoken.mjs' });
    const etag = String(first.headers.etag);
    const again = await t.app.inject({
      url: '/cli/orgtoken.mjs',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const stale = await t.app.inject({
      url: '/cli/orgtoken.mjs',
      headers: { 'if-none-match': `"${'0'.repeat(64)}"` },
    });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.equals(first.rawPayload)).toBe(true);
  });

  it('holds the client commands and nothing of the server: only Node.js built-ins are imported', async () => {
    const text = (await t.app.inject({ url: '/cli/orgtoken.mjs' })).body;
    const imported = [
      ...text.matchAll(/^import .* from "([^"]+)";$/gm),
      ...text.matchAll(/__require\("([^"]+)"\)/g),
      // A dynamic import in code, not a JSDoc type (`{ import("./option.js").Option }`).
      ...text.matchAll(/(?<!\{ )\bimport\("([^"]+)"\)/g),
    ].map((match) => match[1] ?? '');
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((name) => !name.startsWith('node:'))).toEqual([]);
    for (const server of ['fastify', 'kysely', 'better-sqlite3', 'pg-pool', 'piscina', 'pino']) {
      expect(text, server).not.toMatch(new RegExp(`\\b${server}\\b`, 'i'));
    }
    for (const command of ['whoami', 'analyze', 'tokens']) expect(text).toContain(`"${command}"`);
    expect(text).not.toContain('.command("serve")');
  });

  it('gives the server version and no public URL when ORGTOKEN_PUBLIC_URL is unset', async () => {
    const anonymous = await t.request(null, { url: '/api/v1/server' });
    expect(anonymous.statusCode).toBe(401);
    const response = await t.request(session, { url: '/api/v1/server' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ version: '0.0.0', publicUrl: null });
  });
});
