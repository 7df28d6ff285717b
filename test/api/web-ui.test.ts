import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/http/security-headers.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const page =
  '<!doctype html><title>orgtoken</title><script type="module" src="/assets/app-1a2b.js"></script>';
const script = 'console.log("ui")';
const secret = '{ "name": "outside-the-assets-folder" }';

describe('serving the web UI', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Files beside and above the assets folder that no /assets/ address may reach.
    const base = mkdtempSync(join(tmpdir(), 'orgtoken-web-'));
    const root = join(base, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), page);
    writeFileSync(join(root, 'package.json'), secret);
    writeFileSync(join(base, 'package.json'), secret);
    writeFileSync(join(root, 'assets', 'app-1a2b.js'), script);
    t = await createTestApp('sqlite', { webRoot: root });
  });
  afterAll(() => t.close());

  const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  it('answers every page address a browser opens with the app, under the CSP', async () => {
    for (const url of [
      '/',
      '/signin?next=%2Forgs',
      '/setup',
      '/orgs/acme/admin/tokens',
      '/anything/else',
    ]) {
      const response = await t.app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toBe(page);
      expect(response.headers['content-security-policy']).toBe(contentSecurityPolicy);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      // A new release must reach the browser: the page itself is revalidated.
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the hashed files for a year and keeps the JSON 404 for everything else', async () => {
    const asset = await t.app.inject({ url: '/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe(script);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-security-policy']).toBe(contentSecurityPolicy);

    for (const [url, headers] of [
      ['/api/v1/nothing', html],
      ['/api', html],
      ['/assets/missing.js', html],
      ['/orgs/acme', { accept: 'application/json' }],
      ['/orgs/acme', {}],
    ] as const) {
      const response = await t.app.inject({ url, headers });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code, url).toBe('NOT_FOUND');
    }
    const post = await t.app.inject({ method: 'POST', url: '/orgs/acme', headers: html });
    expect(post.statusCode).toBe(404);
    expect(post.json().error.code).toBe('NOT_FOUND');
  });

  it('answers any way out of the assets folder with the JSON 404, over a real connection', async () => {
    // app.inject resolves dot segments before routing; a client on a socket (curl
    // --path-as-is, a scanner) sends them as they are, which is what this test does.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const get = (path: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const sent = httpRequest({ host: '127.0.0.1', port, path }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              type: String(response.headers['content-type']),
              body,
            }),
          );
        });
        sent.on('error', reject);
        sent.end();
      });
    for (const path of [
      '/assets/../x',
      '/assets/../index.html',
      '/assets/../package.json',
      '/assets/../../package.json',
      '/assets/%2e%2e/x',
      '/assets/%2e%2e/package.json',
      '/assets/.%2e/package.json',
      '/assets/..%2fpackage.json',
      '/assets/%2e%2e%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/%252e%252e/package.json',
      '/assets/..%5cpackage.json',
      '/assets/..\\package.json',
      '/assets/app-1a2b.js/../../package.json',
      '/assets/a/..',
      '/assets/x/../app-1a2b.js',
      '/assets/%00',
      '/assets/app-1a2b.js%00',
      '/assets/',
    ]) {
      const response = await get(path);
      expect(response.status, `${path}: ${response.body}`).toBe(404);
      expect(response.type, path).toContain('application/json');
      expect(JSON.parse(response.body).error.code, path).toBe('NOT_FOUND');
      expect(response.body, path).not.toContain('outside-the-assets-folder');
    }
    // What is in the folder is still served. A `..` segment is refused even when it would
    // stay inside: browsers resolve dot segments before asking, so only probes send them.
    for (const path of ['/assets/app-1a2b.js', '/assets/./app-1a2b.js']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.body, path).toBe(script);
    }
  });
});
