import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/domain/token-format.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createOrgToken, withToken } from '../helpers/tokens.js';

describe('/metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('exposes requests by route and status, authentications by result, cache ratio and flushes', async () => {
    const root = await t.newSession({ instanceAdmin: true });
    const admin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin });
    const { token } = await createOrgToken(t, admin, org.key);
    for (let i = 0; i < 4; i += 1) await withToken(t, token, { url: '/api/v1/me' });
    await withToken(t, generateToken('organization'), { url: '/api/v1/me' });
    await t.app.runtime.usage.flush();

    const response = await t.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toContain('orgtoken_token_authentications_total{result="ok"} 4');
    expect(text).toContain('orgtoken_token_authentications_total{result="TOKEN_INVALID"} 1');
    expect(text).toContain('orgtoken_token_cache_lookups_total{result="hit"} 3');
    expect(text).toContain('orgtoken_token_cache_lookups_total{result="miss"} 2');
    expect(text).toContain('orgtoken_token_cache_hit_ratio 0.6');
    expect(text).toContain('orgtoken_usage_flushes_total 1');
    expect(text).toMatch(
      /orgtoken_http_requests_total\{method="GET",route="\/api\/v1\/me",status="200"\} 4/,
    );
    expect(text).toMatch(
      /orgtoken_http_requests_total\{method="GET",route="\/api\/v1\/me",status="401"\} 1/,
    );
    // The latency histogram: cumulative buckets ending at +Inf = _count = the requests seen.
    const series = 'method="GET",route="/api/v1/me",status="200"';
    const buckets = [
      ...text.matchAll(
        new RegExp(
          `^orgtoken_http_request_duration_seconds_bucket\\{le="([^"]+)",${series}\\} (\\d+)$`,
          'gm',
        ),
      ),
    ].map((match) => [match[1], Number(match[2])] as const);
    expect(buckets.map(([le]) => le)).toEqual([
      ...['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5'],
      ...['1', '2.5', '+Inf'],
    ]);
    const counts = buckets.map(([, count]) => count);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(4);
    expect(text).toContain(`orgtoken_http_request_duration_seconds_count{${series}} 4`);
    expect(text).toMatch(
      new RegExp(`^orgtoken_http_request_duration_seconds_sum\\{${series}\\} \\d[\\d.e-]*$`, 'm'),
    );
    // Label values are route patterns, never raw URLs that could carry ids or secrets.
    expect(text).not.toContain(org.key);
    expect(text).not.toContain(token);
  });
});
