import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/orgtoken.db',
      pgPreparedStatements: true,
      admin: null,
      publicUrl: null,
      logLevel: 'info',
      trustProxy: false,
      bodyLimitBytes: 50 * 1024 * 1024,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u@h/db',
      ORGTOKEN_PG_PREPARED_STATEMENTS: 'off',
      ORGTOKEN_ADMIN_EMAIL: 'a@example.test',
      ORGTOKEN_ADMIN_PASSWORD: 'twelve chars!',
      ORGTOKEN_PUBLIC_URL: 'https://orgtoken.example.test',
      LOG_LEVEL: 'debug',
      TRUST_PROXY: 'true',
      ORGTOKEN_BODY_LIMIT_MB: '5',
      ORGTOKEN_SESSION_IDLE_MINUTES: '30',
      ORGTOKEN_SESSION_MAX_HOURS: '12',
      ORGTOKEN_USAGE_FLUSH_SECONDS: '3',
      ORGTOKEN_TOKEN_CACHE_SIZE: '500',
      ORGTOKEN_INGEST_CONCURRENCY: '3',
      ORGTOKEN_INGEST_QUEUE: '7',
      ORGTOKEN_INGEST_ORG_SHARE: '5',
      ORGTOKEN_SMTP_URL: 'smtps://mailer:secret@mail.example.test:465',
      ORGTOKEN_MAIL_FROM: 'tokens@example.test',
      ORGTOKEN_JOBS_INTERVAL_SECONDS: '15',
      ORGTOKEN_WEBHOOK_ALLOW_INSECURE: 'true',
      ORGTOKEN_WEBHOOK_RETRY_SECONDS: '1, 10,100',
      ORGTOKEN_OIDC_INSECURE_ISSUERS: 'http://127.0.0.1:9000, http://gitlab.internal/gitlab',
      ORGTOKEN_GITHUB_KEYS_URL: 'http://127.0.0.1:9100/meta/public_keys/secret_scanning',
    });
    expect(config).toEqual({
      port: 9000,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u@h/db',
      pgPreparedStatements: false,
      admin: { email: 'a@example.test', password: 'twelve chars!' },
      publicUrl: 'https://orgtoken.example.test',
      logLevel: 'debug',
      trustProxy: true,
      bodyLimitBytes: 5 * 1024 * 1024,
      sessionIdleSeconds: 30 * 60,
      sessionAbsoluteSeconds: 12 * 3600,
      usageFlushMs: 3000,
      tokenCacheSize: 500,
      rateLimits: { tokenFailuresPerMinute: 30, passwordFailuresPer15Minutes: 10 },
      ingest: { concurrency: 3, queue: 7, orgShare: 5 },
      notifications: {
        smtpUrl: 'smtps://mailer:secret@mail.example.test:465',
        mailFrom: 'tokens@example.test',
        jobsIntervalSeconds: 15,
        webhookAllowInsecure: true,
        retrySchedule: [1, 10, 100],
      },
      oidcInsecureIssuers: ['http://127.0.0.1:9000', 'http://gitlab.internal/gitlab'],
      githubKeysUrl: 'http://127.0.0.1:9100/meta/public_keys/secret_scanning',
      redisUrl: null,
      shutdown: { delaySeconds: 5, graceSeconds: 25 },
    });
  });

  it('sends no email, runs the jobs every minute and keeps webhooks to public https unless told', () => {
    const { notifications } = loadConfig({});
    expect(notifications).toMatchObject({
      smtpUrl: null,
      jobsIntervalSeconds: 60,
      webhookAllowInsecure: false,
      retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000],
    });
    expect(notifications.mailFrom).toMatch(/^orgtoken@/);
    // The default schedule retries for more than 24 hours (SPEC §9).
    expect(notifications.retrySchedule.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3600);
  });

  it('waits twice the configured ingest concurrency unless ORGTOKEN_INGEST_QUEUE says', () => {
    expect(loadConfig({ ORGTOKEN_INGEST_CONCURRENCY: '3' }).ingest).toEqual({
      concurrency: 3,
      queue: 6,
      orgShare: 6,
    });
    expect(loadConfig({ ORGTOKEN_INGEST_QUEUE: '0' }).ingest.queue).toBe(0);
    expect(loadConfig({}).ingest.concurrency).toBeGreaterThanOrEqual(1);
  });

  it('lets one organization hold every parser and half the queue unless ORGTOKEN_INGEST_ORG_SHARE says', () => {
    const ingest = (env: Record<string, string>) => loadConfig(env).ingest;
    expect(ingest({ ORGTOKEN_INGEST_CONCURRENCY: '2', ORGTOKEN_INGEST_QUEUE: '4' }).orgShare).toBe(
      4,
    );
    const share = (concurrency: string, queue: string) =>
      ingest({ ORGTOKEN_INGEST_CONCURRENCY: concurrency, ORGTOKEN_INGEST_QUEUE: queue }).orgShare;
    // Half the queue rounded down: with one waiting place, it is the others'.
    expect(share('1', '3')).toBe(2);
    expect(share('2', '1')).toBe(2);
    expect(ingest({ ORGTOKEN_INGEST_CONCURRENCY: '2', ORGTOKEN_INGEST_QUEUE: '0' }).orgShare).toBe(
      2,
    );
    expect(
      ingest({
        ORGTOKEN_INGEST_CONCURRENCY: '2',
        ORGTOKEN_INGEST_QUEUE: '4',
        ORGTOKEN_INGEST_ORG_SHARE: '6',
      }).orgShare,
    ).toBe(6);
  });

  it('refuses an ORGTOKEN_PUBLIC_URL with a user and password without repeating it', () => {
    const load = () => loadConfig({ ORGTOKEN_PUBLIC_URL: 'https://admin:s3cret-pw@example.test' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/ORGTOKEN_PUBLIC_URL must be an origin.*no user or password/);
    let message = '';
    try {
      load();
    } catch (error) {
      message = String(error);
    }
    expect(message).not.toContain('s3cret-pw');
  });

  it('takes ORGTOKEN_PUBLIC_URL as an origin, with a port, and gives it as the origin is written', () => {
    const publicUrl = (value: string) => loadConfig({ ORGTOKEN_PUBLIC_URL: value }).publicUrl;
    expect(publicUrl('https://orgtoken.example.test:8443/')).toBe(
      'https://orgtoken.example.test:8443',
    );
    expect(publicUrl(' http://10.0.0.5:8080// ')).toBe('http://10.0.0.5:8080');
    // Written as the origin: links are built by appending paths to it.
    expect(publicUrl('HTTPS://Orgtoken.Example.TEST:443/')).toBe('https://orgtoken.example.test');
    expect(publicUrl('https://orgtoken.example.test?')).toBe('https://orgtoken.example.test');
    expect(publicUrl('http://[::1]:8080')).toBe('http://[::1]:8080');
  });

  it('listens on an IP address or a host name given as HOST', () => {
    for (const host of [
      '0.0.0.0',
      '::',
      '127.0.0.1',
      'fe80::1',
      'localhost',
      'orgtoken_web.internal',
    ]) {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    }
    expect(loadConfig({}).host).toBe('127.0.0.1');
  });

  it('takes TRUST_PROXY as a flag or as a list of trusted proxies', () => {
    expect(loadConfig({ TRUST_PROXY: 'on' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16, ::1' }).trustProxy).toEqual([
      '10.0.0.1/32',
      '192.168.0.0/16',
      '::1/128',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ ORGTOKEN_SMTP_URL: 'http://mail.example.test' }, /ORGTOKEN_SMTP_URL/],
    [{ ORGTOKEN_MAIL_FROM: 'nobody' }, /ORGTOKEN_MAIL_FROM/],
    [{ ORGTOKEN_JOBS_INTERVAL_SECONDS: '0' }, /ORGTOKEN_JOBS_INTERVAL_SECONDS/],
    [{ ORGTOKEN_JOBS_INTERVAL_SECONDS: '3601' }, /ORGTOKEN_JOBS_INTERVAL_SECONDS/],
    [{ ORGTOKEN_WEBHOOK_ALLOW_INSECURE: 'sometimes' }, /ORGTOKEN_WEBHOOK_ALLOW_INSECURE/],
    [{ ORGTOKEN_PG_PREPARED_STATEMENTS: 'auto' }, /ORGTOKEN_PG_PREPARED_STATEMENTS/],
    [{ ORGTOKEN_WEBHOOK_RETRY_SECONDS: '5,,10' }, /ORGTOKEN_WEBHOOK_RETRY_SECONDS/],
    [{ ORGTOKEN_WEBHOOK_RETRY_SECONDS: '0' }, /ORGTOKEN_WEBHOOK_RETRY_SECONDS/],
    [{ ORGTOKEN_OIDC_INSECURE_ISSUERS: 'ftp://x' }, /ORGTOKEN_OIDC_INSECURE_ISSUERS/],
    [{ ORGTOKEN_GITHUB_KEYS_URL: 'http://keys.example.test/list' }, /ORGTOKEN_GITHUB_KEYS_URL/],
    [{ ORGTOKEN_INGEST_CONCURRENCY: '0' }, /ORGTOKEN_INGEST_CONCURRENCY/],
    [{ ORGTOKEN_INGEST_QUEUE: '-1' }, /ORGTOKEN_INGEST_QUEUE/],
    [{ ORGTOKEN_INGEST_ORG_SHARE: '0' }, /ORGTOKEN_INGEST_ORG_SHARE/],
    [
      {
        ORGTOKEN_INGEST_CONCURRENCY: '2',
        ORGTOKEN_INGEST_QUEUE: '4',
        ORGTOKEN_INGEST_ORG_SHARE: '7',
      },
      /ORGTOKEN_INGEST_ORG_SHARE must be an integer from 1 to 6/,
    ],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.1,evil.example' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.1,0127.0.0.1' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '127.1' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '0x7f.0.0.1' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.0/08' }, /TRUST_PROXY/],
    [{ ORGTOKEN_ADMIN_EMAIL: 'a@example.test' }, /ORGTOKEN_ADMIN_PASSWORD/],
    [{ ORGTOKEN_ADMIN_EMAIL: 'a@example.test', ORGTOKEN_ADMIN_PASSWORD: 'short' }, /12/],
    [{ ORGTOKEN_ADMIN_EMAIL: 'a@example.test', ORGTOKEN_ADMIN_PASSWORD: 'x'.repeat(257) }, /256/],
    [{ ORGTOKEN_ADMIN_EMAIL: 'not-an-email', ORGTOKEN_ADMIN_PASSWORD: 'long enough pw' }, /EMAIL/],
    [{ ORGTOKEN_PUBLIC_URL: 'not a url' }, /ORGTOKEN_PUBLIC_URL/],
    [{ ORGTOKEN_PUBLIC_URL: 'javascript:alert(1)' }, /ORGTOKEN_PUBLIC_URL must be an http/],
    [{ ORGTOKEN_PUBLIC_URL: 'ftp://orgtoken.example.test' }, /ORGTOKEN_PUBLIC_URL must be an http/],
    // The web UI is served at the root of its origin: no path, query, fragment or user.
    [
      { ORGTOKEN_PUBLIC_URL: 'https://example.test/orgtoken' },
      /ORGTOKEN_PUBLIC_URL must be an origin/,
    ],
    [
      { ORGTOKEN_PUBLIC_URL: 'https://example.test/?via=proxy' },
      /ORGTOKEN_PUBLIC_URL must be an origin/,
    ],
    [{ ORGTOKEN_PUBLIC_URL: 'https://example.test/#top' }, /ORGTOKEN_PUBLIC_URL must be an origin/],
    [{ ORGTOKEN_TOKEN_CACHE_SIZE: '-1' }, /ORGTOKEN_TOKEN_CACHE_SIZE/],
    [{ ORGTOKEN_TOKEN_CACHE_SIZE: 'lots' }, /ORGTOKEN_TOKEN_CACHE_SIZE/],
    [{ ORGTOKEN_TOKEN_CACHE_SIZE: ' ' }, /ORGTOKEN_TOKEN_CACHE_SIZE/],
    [{ ORGTOKEN_TOKEN_CACHE_SIZE: '1e3' }, /ORGTOKEN_TOKEN_CACHE_SIZE/],
    [{ PORT: '0x50' }, /PORT/],
    [{ HOST: '[::1]' }, /HOST must be an IP address or a host name/],
    [{ HOST: 'http://0.0.0.0' }, /HOST/],
    [{ HOST: '0.0.0.0 ' }, /HOST/],
    [{ HOST: 'host..example' }, /HOST/],
    [{ HOST: `${'a'.repeat(64)}.example` }, /HOST/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('counts rate limits in memory unless REDIS_URL names a Redis server, never repeating its password', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: ' ' }).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6380/2' }).redisUrl).toBe(
      'redis://127.0.0.1:6380/2',
    );
    expect(loadConfig({ REDIS_URL: 'rediss://:s3cret@redis.internal:6380' }).redisUrl).toBe(
      'rediss://:s3cret@redis.internal:6380',
    );
    for (const url of [
      'http://redis.internal',
      'redis://',
      'redis.internal:6379',
      'redis://:s3cret@',
    ]) {
      expect(() => loadConfig({ REDIS_URL: url }), url).toThrow(/REDIS_URL/);
      expect(() => loadConfig({ REDIS_URL: url }), url).not.toThrow(/s3cret/);
    }
  });
});
