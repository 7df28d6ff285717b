import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; summary?: string }>>;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('is served at /api/openapi.json without authentication', async () => {
    const response = await t.app.inject({ url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json() as OpenApi;
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain('/api/v1/orgs/{org}/projects/{projectKey}');
  });

  it('declares a summary, a success response and the error body for every operation', async () => {
    const document = (await t.app.inject({ url: '/api/openapi.json' })).json() as OpenApi;
    let count = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const what = `${method.toUpperCase()} ${path}`;
        count += 1;
        expect(operation.summary, what).toEqual(expect.any(String));
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((s) => s.startsWith('2')),
          what,
        ).toBe(true);
        expect(statuses, what).toContain('400');
        expect(statuses, what).toContain('503');
        // Routes that never refuse a caller: first-run setup, sign-in, and public revocation
        // (always 202, whoever asks).
        const open = ['/api/v1/setup', '/api/v1/session', '/api/v1/credentials/revoke'];
        if (path.startsWith('/api/v1/') && !open.includes(path)) {
          expect(statuses, what).toContain('401');
          // A caller's credentials can be blocked (RATE_LIMITED) on every such route.
          expect(statuses, what).toContain('429');
        }
        if (method !== 'get') expect(statuses, what).toContain('413');
      }
    }
    expect(count).toBeGreaterThanOrEqual(24);
  });

  it('serves the browsable documentation at /api/docs', async () => {
    const response = await t.app.inject({ url: '/api/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});
