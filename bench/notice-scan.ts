/**
 * The expiry and stale scans over 1,000,000 organization tokens (issue 17), on SQLite and on
 * PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL: a fresh schema in that database,
 * dropped after): the first expiry scan with 1 % of the tokens due, a second one right after
 * (nothing due), the stale scan and a second one, each timed and its statements counted; and
 * the plans of the due-expiry and stale-candidate queries on the loaded data, so that the
 * results file shows whether the scans read through their partial indexes. A part of
 * `npm run bench` (bench/run.ts); alone: npx tsx bench/notice-scan.ts. BENCH_BIG replaces
 * 1,000,000.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import type { Clock } from '../src/domain/clock.js';
import { defaultNotificationPreferences, staleCutoff } from '../src/domain/notifications.js';
import type { NotifyConfig } from '../src/services/context.js';
import { type ScanResult, scanExpiries, scanStale } from '../src/services/token-notices.js';
import { type Engine, openStore, type Store } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { dueExpiryNotices, type StaleGroup, staleCandidates } from '../src/store/token-notices.js';
import { finishPart } from './lib/part.js';
import { capturedQuery, countedStore, explain, StatementCounter } from './lib/statement-counter.js';

const tokenCount = Number(process.env.BENCH_BIG ?? 1_000_000);
const pgServer = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? null;
/** Rows per INSERT ... SELECT: ten statements for a million, each a few seconds. */
const chunk = 100_000;
const orgCount = 4;
/** The organization with notification settings of its own (a 90-day stale period). */
const settingsOrg = 2;
const chosenStaleDays = 90;
const defaultStaleDays = defaultNotificationPreferences.staleAfterDays ?? 60;
const day = 86_400;

/** The scans' "now": this second, held still, so the second scan runs at the same instant. */
const nowSeconds = Math.floor(Date.now() / 1000);
const clock: Clock = {
  now: () => new Date(nowSeconds * 1000),
  nowMs: () => nowSeconds * 1000,
};
/** An instance with SMTP configured: expiry and stale events are also emailed to admins. */
const notify: NotifyConfig = { email: true, allowInsecureWebhooks: false };

const orgId = (n: number) => `nsc-org-${n}`;
const iso = (secondsFromNow: number) =>
  new Date((nowSeconds + secondsFromNow) * 1000).toISOString();

interface Scratch {
  store: Store;
  drop: () => Promise<void>;
}

/** A PostgreSQL URL whose connections use `schema` as their search path. */
function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgServer ?? '' });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A migrated store: a SQLite file in a temp dir, or a fresh schema in BENCH_DATABASE_URL. */
async function scratch(engine: Engine): Promise<Scratch> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'orgtoken-notice-scan-'));
    const store = openStore(`sqlite:${join(dir, 'scan.db')}`);
    await migrateToLatest(store);
    return {
      store,
      drop: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!pgServer) throw new Error('set BENCH_DATABASE_URL (or TEST_DATABASE_URL) for PostgreSQL');
  const schema = `bench_scan_${randomBytes(4).toString('hex')}`;
  await onServer(`create schema ${schema}`);
  const store = openStore(withSchema(pgServer, schema));
  await migrateToLatest(store);
  return {
    store,
    drop: async () => {
      await store.close();
      await onServer(`drop schema ${schema} cascade`);
    },
  };
}

/**
 * Four team-plan organizations (events are written for them): the first with a webhook for
 * every event and an admin, so each event fans out to a webhook and an email delivery; the
 * second with the same admin (email only); the third with settings of its own (stale after
 * 90 days, no email), so the stale scan has two periods to look for; the fourth with neither.
 */
async function seedOrganizations(store: Store): Promise<void> {
  const at = iso(-400 * day);
  await store.db
    .insertInto('orgs')
    .values(
      Array.from({ length: orgCount }, (_, n) => ({
        id: orgId(n),
        key: orgId(n),
        name: `Notice scan ${n}`,
        plan: 'team',
        created_at: at,
        updated_at: at,
      })),
    )
    .execute();
  await store.db
    .insertInto('users')
    .values({
      id: 'nsc-admin',
      email: 'admin@bench.test',
      name: 'Bench admin',
      password_hash: 'not-a-hash',
      instance_admin: 0,
      active: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await store.db
    .insertInto('memberships')
    .values(
      [0, 1].map((n) => ({
        org_id: orgId(n),
        user_id: 'nsc-admin',
        role: 'admin',
        created_at: at,
      })),
    )
    .execute();
  await store.db
    .insertInto('webhooks')
    .values({
      id: 'nsc-webhook',
      org_id: orgId(0),
      url: 'https://hooks.bench.test/orgtoken',
      events: '["*"]',
      description: 'bench',
      secret: `whsec_${randomBytes(32).toString('base64')}`,
      active: 1,
      created_at: at,
      created_by: null,
      created_by_name: null,
      updated_at: at,
    })
    .execute();
  await store.db
    .insertInto('notification_settings')
    .values({
      org_id: orgId(settingsOrg),
      expiry_warning_days: JSON.stringify(defaultNotificationPreferences.expiryWarningDays),
      stale_after_days: chosenStaleDays,
      email_admins: 0,
      updated_at: at,
    })
    .execute();
}

/** What differs between the engines in the generating SQL. */
function dialect(engine: Engine, from: number, to: number) {
  const now = sql.lit(nowSeconds);
  return engine === 'postgres'
    ? {
        prefix: sql``,
        series: sql`generate_series(${sql.lit(from)}::bigint, ${sql.lit(to - 1)}::bigint) as g(i)`,
        iso: (seconds: RawBuilder<unknown>) =>
          sql`to_char(to_timestamp(${now} + ${seconds}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
        pad8: sql`lpad(i::text, 8, '0')`,
        digest: sql`encode(sha256(convert_to('orgtoken-bench:' || i, 'UTF8')), 'hex')`,
      }
    : {
        prefix: sql`with recursive g(i) as (select ${sql.lit(from)} union all select i + 1 from g where i < ${sql.lit(to - 1)}) `,
        series: sql`g`,
        iso: (seconds: RawBuilder<unknown>) =>
          sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${now} + ${seconds}, 'unixepoch')`,
        pad8: sql`substr('0000000' || i, -8)`,
        digest: sql`lower(hex(randomblob(32)))`,
      };
}

/**
 * Tokens `from` to `to - 1` as the application stores them (newTokenRow's columns), in one
 * INSERT ... SELECT; times are offsets in seconds from the scans' "now". Token i:
 * - expiry: none for 10 % (i % 10 = 5); else spread over the next two years, and its
 *   expiry notice where the scans left it (SPEC §9, thresholds 30, 7 and 1 days): due at
 *   the next threshold crossing, mostly expires_at minus 30 days, all in the future;
 * - 1 % (i % 100 = 0) are due now: each crossed a threshold since the last scan (expiring
 *   in the next 30 days, or expired within the last day), so the first scan writes one
 *   event for each and the second finds none;
 * - last use: within the last two days, but for 0.1 % unused for 100 to 149 days
 *   (i % 1000 = 1), 0.1 % never used and made 70 to 99 days ago (i % 1000 = 2): those are
 *   the stale ones; 0.1 % unused for 200 days and already noticed (i % 1000 = 3);
 * - 0.1 % revoked five days ago (i % 1000 = 7), which clears their expiry notice.
 * Digests are SHA-256 of an index on PostgreSQL and random on SQLite (which has no SHA-256):
 * these tokens are never verified, and either is as spread over the unique index as real
 * digests are.
 */
function insertTokens(engine: Engine, from: number, to: number): RawBuilder<unknown> {
  const d = dialect(engine, from, to);
  const at = (column: string) => d.iso(sql.raw(column));
  const thirty = sql.lit(30 * day);
  const seven = sql.lit(7 * day);
  const one = sql.lit(day);
  return sql`${d.prefix}insert into tokens (
      id, kind, org_id, user_id, scope_org_id, name, description, permissions, projects,
      allowed_cidrs, digest, hint, previous_digest, previous_valid_until, expires_at,
      created_at, created_by, created_by_name, last_used_at, last_used_ip,
      last_used_user_agent, revoked_at, revoked_by, revoked_by_name, rotated_at,
      expiry_notice_at, expiry_notice_days, stale_noticed_at, previous_until_first_use)
    select
      'nsc-' || ${d.pad8}, 'organization', 'nsc-org-' || ((i + i / 1000) % ${sql.lit(orgCount)}),
      null, null, 'token-' || i, '', '["analysis:execute","project:browse"]', '{"mode":"all"}',
      '[]', ${d.digest}, 'oto_' || substr(${d.pad8}, 5, 4), null, null, ${at('exp_s')},
      ${at('created_s')}, null, null, ${at('last_s')},
      case when last_s is null then null else '203.0.113.' || (i % 250) end,
      case when last_s is null then null else 'SonarScanner/5.0' end,
      case when i % 1000 = 7 then ${d.iso(sql.lit(-5 * day))} end, null, null, null,
      case when i % 1000 = 7 then null else ${at('notice_s')} end, notice_days,
      case when i % 1000 = 3 then ${d.iso(sql.lit(-140 * day))} end, 0
    from (
      select s.*,
        case when exp_s is null then null
          when i % 100 = 0 then case when exp_s <= 0 then exp_s when exp_s <= ${one} then exp_s - ${one}
            when exp_s <= ${seven} then exp_s - ${seven} else exp_s - ${thirty} end
          else case when exp_s > ${thirty} then exp_s - ${thirty} when exp_s > ${seven} then exp_s - ${seven}
            when exp_s > ${one} then exp_s - ${one} else exp_s end
        end as notice_s,
        case when exp_s is null then null
          when i % 100 = 0 then case when exp_s <= 0 then 1 when exp_s <= ${one} then 7
            when exp_s <= ${seven} then 30 else null end
          else case when exp_s > ${thirty} then null when exp_s > ${seven} then 30
            when exp_s > ${one} then 7 else 1 end
        end as notice_days
      from (
        select i,
          case when i % 1000 = 2 then -(70 + (i / 1000) % 30) * ${one}
            else -(2 * ${one} + (i * 999983) % (363 * ${one})) end as created_s,
          case when i % 10 = 5 then null
            when i % 100 = 0 then -${one} + ((i / 100) * 1000003) % (31 * ${one})
            else 1 + (i * 1000003) % (730 * ${one}) end as exp_s,
          case when i % 1000 = 1 then -(100 + (i / 1000) % 50) * ${one}
            when i % 1000 = 2 then null
            when i % 1000 = 3 then -200 * ${one}
            else -((i * 7919) % 172800) end as last_s
        from ${d.series}
      ) s
    ) t`;
}

async function loadTokens(store: Store): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < tokenCount; from += chunk) {
    await insertTokens(store.engine, from, Math.min(tokenCount, from + chunk)).execute(store.db);
  }
  if (store.engine === 'postgres') {
    // Statistics for the planner, as autovacuum would gather soon after a bulk load; the
    // vacuum also keeps autovacuum from starting on the million new rows mid-measurement.
    await sql`vacuum (analyze) tokens`.execute(store.db);
    await sql`analyze orgs, users, memberships, webhooks, notification_settings`.execute(store.db);
  }
  return seconds(started);
}

function seconds(started: number): number {
  return Number(((performance.now() - started) / 1000).toFixed(3));
}

async function countOf(store: Store, query: RawBuilder<{ n: number | string }>): Promise<number> {
  const result = await query.execute(store.db);
  return Number(result.rows[0]?.n ?? 0);
}

/** What the loaded data holds: the figures the scans' results are checked against. */
async function census(store: Store) {
  const at = clock.now().toISOString();
  const cutoff = (days: number) => staleCutoff(clock.nowMs(), days);
  const staleWhere = sql`kind = 'organization' and revoked_at is null and stale_noticed_at is null`;
  return {
    tokens: await countOf(store, sql`select count(*) as n from tokens`),
    dueNow: await countOf(
      store,
      sql`select count(*) as n from tokens where expiry_notice_at is not null and expiry_notice_at <= ${at}`,
    ),
    staleDefault: await countOf(
      store,
      sql`select count(*) as n from tokens where ${staleWhere} and org_id <> ${orgId(settingsOrg)} and coalesce(last_used_at, created_at) < ${cutoff(defaultStaleDays)}`,
    ),
    staleChosen: await countOf(
      store,
      sql`select count(*) as n from tokens where ${staleWhere} and org_id = ${orgId(settingsOrg)} and coalesce(last_used_at, created_at) < ${cutoff(chosenStaleDays)}`,
    ),
  };
}

async function outboxCounts(store: Store) {
  return {
    events: await countOf(store, sql`select count(*) as n from outbox_events`),
    deliveries: await countOf(store, sql`select count(*) as n from outbox_deliveries`),
  };
}

/** Whether a plan reads tokens through `index`, and whether it reads the whole table. */
function planVerdict(engine: Engine, plan: string, index: string) {
  const fullScan =
    engine === 'postgres' ? /Seq Scan on tokens\b/.test(plan) : /^\s*SCAN tokens\b/m.test(plan);
  const usesIndex =
    engine === 'postgres'
      ? new RegExp(`(Index|Index Only|Bitmap Index) Scan (using|on) ${index}\\b`).test(plan)
      : new RegExp(`SEARCH tokens USING (COVERING )?INDEX ${index}\\b`).test(plan);
  const reads =
    engine === 'postgres'
      ? /(Seq Scan on tokens|(Index|Index Only) Scan using \w+ on tokens|Bitmap Index Scan on \w+)/g
      : /(SCAN|SEARCH) tokens\b[^\n]*/g;
  // How tokens is read, step by step: what the table row of the part shows.
  const access = [...new Set(plan.match(reads) ?? [])].join('; ');
  return { index, usesIndex, fullScan, access };
}

async function plans(store: Store) {
  const at = clock.now().toISOString();
  const out: Record<string, unknown> = {};
  const cases: Array<[string, string, (db: Store['db']) => Promise<unknown>]> = [
    ['dueExpiry', 'tokens_expiry_notice_due', (db) => dueExpiryNotices(db, at, 500)],
  ];
  const groups: StaleGroup[] = [
    { kind: 'default', days: defaultStaleDays },
    { kind: 'chosen', days: chosenStaleDays },
  ];
  for (const group of groups) {
    const cutoff = staleCutoff(clock.nowMs(), group.days);
    cases.push([
      group.kind === 'default' ? 'staleDefault' : 'staleChosen',
      'tokens_stale_scan',
      (db) => staleCandidates(db, group, cutoff, 500),
    ]);
  }
  for (const [name, index, run] of cases) {
    const query = await capturedQuery(store, run);
    const plan = await explain(store, query);
    out[name] = {
      sql: query.sql,
      parameters: query.parameters,
      plan,
      ...planVerdict(store.engine, plan, index),
    };
    console.log(`${store.engine}: plan of ${name}\n${plan}`);
  }
  return out;
}

/** Runs one scan through a counting store, after a collection; its time and statements. */
async function measured(
  store: Store,
  scan: (deps: { store: Store; clock: Clock; notify: NotifyConfig }) => Promise<ScanResult>,
) {
  const counter = new StatementCounter();
  const deps = { store: countedStore(store, counter), clock, notify };
  globalThis.gc?.();
  const started = performance.now();
  const result = await scan(deps);
  return { seconds: seconds(started), ...result, ...counter.snapshot() };
}

async function engineRun(engine: Engine) {
  const { store, drop } = await scratch(engine);
  try {
    await seedOrganizations(store);
    const loadSeconds = await loadTokens(store);
    const data = await census(store);
    console.log(`${engine}: loaded ${data.tokens} tokens in ${loadSeconds} s`, data);
    const queryPlans = await plans(store);
    const firstScan = {
      ...(await measured(store, scanExpiries)),
      outbox: await outboxCounts(store),
    };
    console.log(`${engine}: first expiry scan`, firstScan);
    const secondScan = await measured(store, scanExpiries);
    console.log(`${engine}: second expiry scan`, secondScan);
    const before = await outboxCounts(store);
    const staleScan = await measured(store, scanStale);
    const after = await outboxCounts(store);
    const stale = {
      ...staleScan,
      outbox: {
        events: after.events - before.events,
        deliveries: after.deliveries - before.deliveries,
      },
    };
    console.log(`${engine}: stale scan`, stale);
    const secondStaleScan = await measured(store, scanStale);
    console.log(`${engine}: second stale scan`, secondStaleScan);
    return {
      loadSeconds,
      data,
      // The default period and the settings organization's own.
      stalePeriods: 2,
      firstScan,
      secondScan,
      staleScan: stale,
      secondStaleScan,
      plans: queryPlans,
    };
  } finally {
    await drop();
  }
}

async function main() {
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    tokens: tokenCount,
    now: clock.now().toISOString(),
  };
  result.sqlite = await engineRun('sqlite');
  if (pgServer) result.postgres = await engineRun('postgres');
  await finishPart(result);
}

await main();
