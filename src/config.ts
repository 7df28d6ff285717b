import { isIP } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { parseCidrs } from './domain/cidr.js';
import { defaultRetrySchedule } from './domain/notifications.js';
import { defaultGithubKeysUrl } from './runtime/github-keys.js';
import { orgShareOf } from './runtime/ingest-share.js';
import { checkSmtpUrl, defaultMailFrom } from './runtime/mailer.js';

/** Every setting orgtoken reads, parsed and validated in one place (docs/operations.md "Configuration"). */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /**
   * ORGTOKEN_PG_PREPARED_STATEMENTS: the store's fixed statements prepared by name on
   * PostgreSQL (off behind a pooler that does not keep them, docs/operations.md).
   */
  pgPreparedStatements: boolean;
  admin: { email: string; password: string } | null;
  publicUrl: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Off, on (trust every hop), or the addresses/CIDRs of the trusted proxies. */
  trustProxy: boolean | string[];
  /** How often coalesced token usage is written, in ms. */
  usageFlushMs: number;
  /** How many verified tokens the verification cache holds. */
  tokenCacheSize: number;
  rateLimits: { tokenFailuresPerMinute: number; passwordFailuresPer15Minutes: number };
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /**
   * Uploads parsed at once, how many more may wait, and how many of those places one
   * organization may hold (docs/operations.md "Ingest").
   */
  ingest: { concurrency: number; queue: number; orgShare: number };
  sessionIdleSeconds: number;
  sessionAbsoluteSeconds: number;
  /** Email, webhooks and the periodic jobs (docs/operations.md "Notifications"). */
  notifications: NotificationConfig;
  /** ORGTOKEN_OIDC_INSECURE_ISSUERS: CI issuers that may be served over http (SPEC §12). */
  oidcInsecureIssuers: string[];
  /** ORGTOKEN_GITHUB_KEYS_URL: where GitHub lists its secret scanning keys (SPEC §11). */
  githubKeysUrl: string;
  /** REDIS_URL: where the rate limits are counted for all instances; null: in memory (SPEC §13). */
  redisUrl: string | null;
  /** What SIGTERM does (SPEC §13, docs/operations.md "Stopping an instance"). */
  shutdown: { delaySeconds: number; graceSeconds: number };
}

export interface NotificationConfig {
  /** ORGTOKEN_SMTP_URL; null: no email. */
  smtpUrl: string | null;
  mailFrom: string;
  jobsIntervalSeconds: number;
  webhookAllowInsecure: boolean;
  /** Seconds between webhook attempts; past the last, a delivery has failed. */
  retrySchedule: number[];
}

/**
 * Every default, in one place: config.ts applies them to what the environment leaves unset,
 * and buildApp (app.ts) falls back to the same values when a caller (a test, a benchmark)
 * leaves a dependency out.
 */
export const defaults = {
  usageFlushSeconds: 10,
  /**
   * How many verified tokens a cache holds unless configured (ORGTOKEN_TOKEN_CACHE_SIZE). An
   * entry lives at most 30 s, so this is room for 666 distinct tokens a second, each used
   * again within its 30 s, far beyond what CI sends to one instance; past it, the oldest are
   * evicted and come back at a store look-up's cost. A full cache holds about 9 MiB of heap
   * (bench/README.md).
   */
  tokenCacheSize: 20_000,
  tokenFailuresPerMinute: 30,
  passwordFailuresPer15Minutes: 10,
  /** Largest analysis upload (ORGTOKEN_BODY_LIMIT_MB); other JSON bodies stay at 1 MiB. */
  bodyLimitMb: 50,
  /**
   * Uploads parsed at once (ORGTOKEN_INGEST_CONCURRENCY): one worker thread per core keeps
   * every core busy with parsing without parsers competing for one core.
   */
  ingestConcurrency: Math.max(1, availableParallelism()),
  /** Uploads that may wait for a parser, per parser (ORGTOKEN_INGEST_QUEUE is the total). */
  ingestQueuePerParser: 2,
  jobsIntervalSeconds: 60,
  sessionIdleMinutes: 120,
  sessionMaxHours: 24 * 7,
  /** After SIGTERM, how long /readyz fails while requests are still served (a proxy's cue). */
  shutdownDelaySeconds: 5,
  /** Then how long in-flight requests may take before their connections are closed. */
  shutdownGraceSeconds: 25,
} as const;

/** Names of the environment variables, with the `serve` flag that overrides each. */
export const settings = {
  port: { env: 'PORT', flag: 'port' },
  host: { env: 'HOST', flag: 'host' },
  databaseUrl: { env: 'DATABASE_URL', flag: 'database-url' },
  pgPreparedStatements: {
    env: 'ORGTOKEN_PG_PREPARED_STATEMENTS',
    flag: 'pg-prepared-statements',
  },
  publicUrl: { env: 'ORGTOKEN_PUBLIC_URL', flag: 'public-url' },
  logLevel: { env: 'LOG_LEVEL', flag: 'log-level' },
  trustProxy: { env: 'TRUST_PROXY', flag: 'trust-proxy' },
  bodyLimit: { env: 'ORGTOKEN_BODY_LIMIT_MB', flag: 'body-limit-mb' },
  ingestConcurrency: { env: 'ORGTOKEN_INGEST_CONCURRENCY', flag: 'ingest-concurrency' },
  ingestQueue: { env: 'ORGTOKEN_INGEST_QUEUE', flag: 'ingest-queue' },
  ingestOrgShare: { env: 'ORGTOKEN_INGEST_ORG_SHARE', flag: 'ingest-org-share' },
  usageFlush: { env: 'ORGTOKEN_USAGE_FLUSH_SECONDS', flag: 'usage-flush-seconds' },
  tokenCacheSize: { env: 'ORGTOKEN_TOKEN_CACHE_SIZE', flag: 'token-cache-size' },
  tokenFailureLimit: { env: 'ORGTOKEN_TOKEN_FAILURE_LIMIT', flag: 'token-failure-limit' },
  passwordFailureLimit: { env: 'ORGTOKEN_PASSWORD_FAILURE_LIMIT', flag: 'password-failure-limit' },
  sessionIdle: { env: 'ORGTOKEN_SESSION_IDLE_MINUTES', flag: 'session-idle-minutes' },
  smtpUrl: { env: 'ORGTOKEN_SMTP_URL', flag: 'smtp-url' },
  mailFrom: { env: 'ORGTOKEN_MAIL_FROM', flag: 'mail-from' },
  jobsInterval: { env: 'ORGTOKEN_JOBS_INTERVAL_SECONDS', flag: 'jobs-interval-seconds' },
  webhookAllowInsecure: { env: 'ORGTOKEN_WEBHOOK_ALLOW_INSECURE', flag: 'webhook-allow-insecure' },
  webhookRetrySeconds: { env: 'ORGTOKEN_WEBHOOK_RETRY_SECONDS', flag: 'webhook-retry-seconds' },
  oidcInsecureIssuers: { env: 'ORGTOKEN_OIDC_INSECURE_ISSUERS', flag: 'oidc-insecure-issuers' },
  githubKeysUrl: { env: 'ORGTOKEN_GITHUB_KEYS_URL', flag: 'github-keys-url' },
  sessionAbsolute: { env: 'ORGTOKEN_SESSION_MAX_HOURS', flag: 'session-max-hours' },
  redisUrl: { env: 'REDIS_URL', flag: 'redis-url' },
  shutdownDelay: { env: 'ORGTOKEN_SHUTDOWN_DELAY_SECONDS', flag: 'shutdown-delay-seconds' },
  shutdownGrace: { env: 'ORGTOKEN_SHUTDOWN_GRACE_SECONDS', flag: 'shutdown-grace-seconds' },
} as const;

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Source = Record<string, string | undefined>;

function integer(source: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = source[name];
  if (raw === undefined || raw === '') return fallback;
  // Decimal digits only: Number() would also take " " (as 0), "0x10" and "1e3".
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function flag(source: Source, name: string): boolean | null {
  const raw = (source[name] ?? '').toLowerCase();
  if (['', '0', 'false', 'off', 'no'].includes(raw)) return false;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  return null;
}

// TRUST_PROXY: a flag, or a comma-separated list of trusted proxy addresses and CIDRs (then
// X-Forwarded-For is read only up to the first hop that is not one of them).
function trustProxy(source: Source): boolean | string[] {
  const asFlag = flag(source, 'TRUST_PROXY');
  if (asFlag !== null) return asFlag;
  const list = (source.TRUST_PROXY ?? '').split(',').map((part) => part.trim());
  try {
    return parseCidrs(list, 'TRUST_PROXY');
  } catch {
    // Refused, never reinterpreted: `0127.0.0.1` or `127.1` would trust another address than
    // the one the operator wrote (see parseCidrs).
    throw new ConfigError(
      `TRUST_PROXY must be true, false or a comma-separated list of addresses/CIDRs in standard notation, such as 10.0.0.1,192.168.0.0/16 (got "${source.TRUST_PROXY}")`,
    );
  }
}

// The queue's default follows the concurrency that was configured, not the default one, and
// the share of one organization follows both.
function ingestSettings(env: Source): Config['ingest'] {
  const concurrency = integer(
    env,
    'ORGTOKEN_INGEST_CONCURRENCY',
    defaults.ingestConcurrency,
    1,
    256,
  );
  const queue = integer(
    env,
    'ORGTOKEN_INGEST_QUEUE',
    concurrency * defaults.ingestQueuePerParser,
    0,
    10_000,
  );
  const orgShare = integer(
    env,
    'ORGTOKEN_INGEST_ORG_SHARE',
    orgShareOf(concurrency, queue),
    1,
    concurrency + queue,
  );
  return { concurrency, queue, orgShare };
}

function notificationSettings(env: Source): NotificationConfig {
  const smtpUrl = env.ORGTOKEN_SMTP_URL?.trim() || null;
  if (smtpUrl !== null) {
    const problem = checkSmtpUrl(smtpUrl);
    if (problem !== null) throw new ConfigError(`ORGTOKEN_SMTP_URL ${problem}`);
  }
  const mailFrom = env.ORGTOKEN_MAIL_FROM?.trim() || defaultMailFrom(hostname());
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(mailFrom)) {
    throw new ConfigError(`ORGTOKEN_MAIL_FROM is not an email address (got "${mailFrom}")`);
  }
  const insecure = flag(env, 'ORGTOKEN_WEBHOOK_ALLOW_INSECURE');
  if (insecure === null) {
    throw new ConfigError(
      `ORGTOKEN_WEBHOOK_ALLOW_INSECURE must be true or false (got "${env.ORGTOKEN_WEBHOOK_ALLOW_INSECURE}")`,
    );
  }
  return {
    smtpUrl,
    mailFrom,
    jobsIntervalSeconds: integer(
      env,
      'ORGTOKEN_JOBS_INTERVAL_SECONDS',
      defaults.jobsIntervalSeconds,
      1,
      3600,
    ),
    webhookAllowInsecure: insecure,
    retrySchedule: retrySchedule(env.ORGTOKEN_WEBHOOK_RETRY_SECONDS),
  };
}

// A comma-separated list of waits in seconds, each 1 to 86400, at most 20 of them.
function retrySchedule(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [...defaultRetrySchedule];
  const parts = raw.split(',').map((part) => part.trim());
  const waits = parts.map((part) => (/^\d{1,5}$/.test(part) ? Number(part) : Number.NaN));
  if (waits.length > 20 || waits.some((w) => !Number.isInteger(w) || w < 1 || w > 86_400)) {
    throw new ConfigError(
      `ORGTOKEN_WEBHOOK_RETRY_SECONDS must be up to 20 comma-separated waits of 1 to 86400 seconds (got "${raw}")`,
    );
  }
  return waits;
}

// https, or http to this machine only (tests): a key list anyone could serve would let
// anyone forge reports, and learn from the answers which strings are live tokens.
function githubKeysUrl(raw: string | undefined): string {
  const url = raw?.trim() || defaultGithubKeysUrl;
  const parsed = URL.canParse(url) ? new URL(url) : null;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed?.hostname ?? '');
  if (!parsed || !(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopback))) {
    throw new ConfigError(
      `ORGTOKEN_GITHUB_KEYS_URL must be an https URL (http only to this machine; got "${url}")`,
    );
  }
  return url;
}

// Comma-separated absolute http(s) URLs, compared exactly with a policy's issuer.
function insecureIssuers(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const issuer of list) {
    if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
      throw new ConfigError(
        `ORGTOKEN_OIDC_INSECURE_ISSUERS must be comma-separated http(s) URLs (got "${issuer}")`,
      );
    }
  }
  return list;
}

// redis:// or rediss://, with an optional password and database number in the URL.
function redisUrl(raw: string | undefined): string | null {
  const url = raw?.trim() || null;
  if (url === null) return null;
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed || !/^rediss?:$/.test(parsed.protocol) || parsed.hostname === '') {
    // The URL may hold a password: it is not repeated.
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL with a host');
  }
  return url;
}

// On unless said otherwise: a pooler that hands a connection to another client between
// transactions must keep named statements itself (PgBouncer 1.21 and later can) or be told.
function pgPreparedStatements(env: Source): boolean {
  const raw = env.ORGTOKEN_PG_PREPARED_STATEMENTS;
  if (raw === undefined || raw.trim() === '') return true;
  const value = flag(env, 'ORGTOKEN_PG_PREPARED_STATEMENTS');
  if (value === null) {
    throw new ConfigError(`ORGTOKEN_PG_PREPARED_STATEMENTS must be true or false (got "${raw}")`);
  }
  return value;
}

/** A host name's dot-separated part: letters, digits, `-` and `_` (service names), 1 to 63. */
const hostLabel = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * HOST: an IP address (`0.0.0.0`, `::`, `127.0.0.1`) or a host name to look up (`localhost`),
 * checked here so that a typo stops the server with the others, before the store is opened,
 * rather than at listen after the migrations ran.
 */
function listenHost(env: Source): string {
  const host = env.HOST || '127.0.0.1';
  if (isIP(host) !== 0) return host;
  if (host.length <= 253 && host.split('.').every((label) => hostLabel.test(label))) return host;
  throw new ConfigError(`HOST must be an IP address or a host name (got "${host}")`);
}

/**
 * The public URL as an origin: `http` or `https`, a host, perhaps a port, and nothing after
 * it. The web UI is served at the root of its origin (its pages and assets are asked for at
 * absolute paths), so a base with a path would give links to pages that are not there; a
 * user, a query or a fragment would end up in every link. Given as the origin is written
 * (scheme and host in lower case, no default port, no empty `?` or `#` left over), since
 * links are built by appending paths to it; null when unset.
 */
function publicOrigin(raw: string | undefined): string | null {
  // Trailing slashes are forgiven (`https://host/` is the origin too); nothing else after it.
  const value = raw?.trim().replace(/\/+$/, '') || null;
  if (value === null) return null;
  // A value with an @ may hold a password: it is never repeated back.
  const got = value.includes('@') ? '' : ` (got "${value}")`;
  const url = URL.parse(value);
  if (url === null) throw new ConfigError(`ORGTOKEN_PUBLIC_URL is not a URL${got}`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`ORGTOKEN_PUBLIC_URL must be an http or https URL${got}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(
      'ORGTOKEN_PUBLIC_URL must be an origin, such as https://orgtoken.example.com, with no user or password',
    );
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      `ORGTOKEN_PUBLIC_URL must be an origin, such as https://orgtoken.example.com, with no path or query: the web UI is served at the root of its origin${got}`,
    );
  }
  return url.origin;
}

/** Parses the environment; throws ConfigError naming the variable at fault. */
export function loadConfig(env: Source = process.env): Config {
  const email = env.ORGTOKEN_ADMIN_EMAIL?.trim() || '';
  const password = env.ORGTOKEN_ADMIN_PASSWORD ?? '';
  if ((email === '') !== (password === '')) {
    throw new ConfigError('set both ORGTOKEN_ADMIN_EMAIL and ORGTOKEN_ADMIN_PASSWORD, or neither');
  }
  if (password !== '' && (password.length < 12 || password.length > 256)) {
    throw new ConfigError('ORGTOKEN_ADMIN_PASSWORD must have 12 to 256 characters');
  }
  if (email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new ConfigError(`ORGTOKEN_ADMIN_EMAIL is not an email address (got "${email}")`);
  }
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!logLevels.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${logLevels.join(', ')} (got "${logLevel}")`);
  }
  const databaseUrl = env.DATABASE_URL || 'sqlite:./data/orgtoken.db';
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with sqlite: or postgres://');
  }
  const publicUrl = publicOrigin(env.ORGTOKEN_PUBLIC_URL);
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: listenHost(env),
    databaseUrl,
    pgPreparedStatements: pgPreparedStatements(env),
    admin: email ? { email, password } : null,
    publicUrl,
    logLevel,
    trustProxy: trustProxy(env),
    usageFlushMs:
      integer(env, 'ORGTOKEN_USAGE_FLUSH_SECONDS', defaults.usageFlushSeconds, 1, 3600) * 1000,
    tokenCacheSize: integer(
      env,
      'ORGTOKEN_TOKEN_CACHE_SIZE',
      defaults.tokenCacheSize,
      0,
      10_000_000,
    ),
    rateLimits: {
      tokenFailuresPerMinute: integer(
        env,
        'ORGTOKEN_TOKEN_FAILURE_LIMIT',
        defaults.tokenFailuresPerMinute,
        1,
        1_000_000,
      ),
      passwordFailuresPer15Minutes: integer(
        env,
        'ORGTOKEN_PASSWORD_FAILURE_LIMIT',
        defaults.passwordFailuresPer15Minutes,
        1,
        1_000_000,
      ),
    },
    bodyLimitBytes:
      integer(env, 'ORGTOKEN_BODY_LIMIT_MB', defaults.bodyLimitMb, 1, 1024) * 1024 * 1024,
    ingest: ingestSettings(env),
    sessionIdleSeconds:
      integer(env, 'ORGTOKEN_SESSION_IDLE_MINUTES', defaults.sessionIdleMinutes, 1, 60 * 24 * 30) *
      60,
    sessionAbsoluteSeconds:
      integer(env, 'ORGTOKEN_SESSION_MAX_HOURS', defaults.sessionMaxHours, 1, 24 * 90) * 3600,
    notifications: notificationSettings(env),
    oidcInsecureIssuers: insecureIssuers(env.ORGTOKEN_OIDC_INSECURE_ISSUERS),
    githubKeysUrl: githubKeysUrl(env.ORGTOKEN_GITHUB_KEYS_URL),
    redisUrl: redisUrl(env.REDIS_URL),
    shutdown: {
      delaySeconds: integer(
        env,
        'ORGTOKEN_SHUTDOWN_DELAY_SECONDS',
        defaults.shutdownDelaySeconds,
        0,
        60,
      ),
      graceSeconds: integer(
        env,
        'ORGTOKEN_SHUTDOWN_GRACE_SECONDS',
        defaults.shutdownGraceSeconds,
        1,
        600,
      ),
    },
  };
}
