import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/http/security-headers.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const page =
  '<!doctype html><title>orgtoken</title><script type="module" src="/assets/app-1a2b.js"></script>';
const script = 'console.log("ui")';

describe('serving the web UI', () => {
  let t: TestApp;
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'orgtoken-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), page);
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

  it('does not escape the assets folder', async () => {
    for (const url of [
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2f..%2fpackage.json',
    ]) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).not.toBe(200);
      expect(response.body).not.toContain('"name": "orgtoken"');
    }
  });
});
