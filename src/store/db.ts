import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDatabase as SqliteForKysely,
  sql,
} from 'kysely';
import pg from 'pg';
import { Piscina } from 'piscina';
import { type ChannelEvents, listenPostgres, type Subscription } from './notifications.js';
import { namingStatements } from './prepared-statements.js';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

/** A connected store: the Kysely instance plus what differs between engines. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** Runs a trivial query; throws when the store cannot be reached. */
  ping(): Promise<void>;
  /**
   * Sends a message to every instance subscribed to `channel` on the same database, this
   * one included (PostgreSQL NOTIFY). Null where the engine has no such thing (SQLite: one
   * process owns the file).
   */
  readonly notifications: {
    publish(channel: string, payload: string): Promise<void>;
    subscribe(channel: string, events: ChannelEvents): Subscription;
  } | null;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL pool size. */
  maxConnections?: number;
  /**
   * PostgreSQL: the store's fixed statements prepared by name on each connection
   * (prepared-statements.ts); default on (ORGTOKEN_PG_PREPARED_STATEMENTS).
   */
  preparedStatements?: boolean;
}

/** Opens the store named by a `sqlite:` or `postgres://` URL (DATABASE_URL, docs/operations.md). */
export function openStore(url: string, options: StoreOptions = {}): Store {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgres(url, options);
  }
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${redactUrl(url)}")`);
}

function openSqlite(path: string): Store {
  const memory = path === ':memory:' || path === '';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const connection = new SqliteDatabase(memory ? ':memory:' : path);
  // WAL lets readers proceed during a write; the busy timeout makes a second process wait
  // for the write lock instead of failing at once.
  connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('synchronous = NORMAL');
  const checkpointer = memory ? null : walCheckpointer(connection, path);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: keepingStatements(connection) }),
  });
  return {
    db,
    engine: 'sqlite',
    notifications: null,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await checkpointer?.stop();
      // The last connection to close checkpoints the whole log and removes it.
      await db.destroy();
    },
  };
}

/** How often the write-ahead log is copied back into the database file. */
export const checkpointIntervalMs = 1000;

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the commit that takes the
 * log past 1,000 pages copies the whole log into the database file, synchronously, on the
 * serving connection: 55 ms of a large upload's commit, during which no other request is
 * answered (bench/README.md, issue 15). Instead the serving connection never checkpoints
 * (`wal_autocheckpoint = 0`) and a second connection in a worker thread runs a PASSIVE
 * checkpoint every `checkpointIntervalMs`, which never waits for the writer nor blocks it
 * (piscina, already the ingest pool's, rather than a hand-kept thread).
 * The log then holds at most what is written between two checkpoints (plus what a checkpoint
 * could not copy because a reader still needed it, copied by the next), and the file is cut
 * back to 64 MiB when it starts over. Durability is unchanged: a commit is in the log, which
 * is the database, whether or not it has been copied. The thread starts at the first tick,
 * so a store open for less than a second (a command, most tests) starts none.
 */
function walCheckpointer(
  connection: SqliteDatabase.Database,
  path: string,
): { stop: () => Promise<void> } {
  connection.pragma('wal_autocheckpoint = 0');
  connection.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  let pool: Piscina<string, unknown> | null = null;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    pool ??= checkpointPool();
    // A failed checkpoint is tried again at the next tick; until then the log only grows.
    pool
      .run(path)
      .catch(() => {})
      .finally(() => {
        running = false;
      });
  }, checkpointIntervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      // Ending the thread closes its connection (better-sqlite3 closes a thread's databases
      // when it exits), so the serving connection is then the last one.
      await pool?.destroy();
      pool = null;
    },
  };
}

/**
 * Under vitest or tsx this module is TypeScript source and so is the worker, loaded through
 * tsx (as the ingest pool's is); built into dist/, both are JavaScript.
 */
function checkpointPool(): Piscina<string, unknown> {
  const worker = new URL(
    import.meta.url.endsWith('.ts') ? './checkpoint-worker.ts' : './checkpoint-worker.js',
    import.meta.url,
  );
  return new Piscina({
    filename: worker.href,
    name: 'checkpoint',
    execArgv: worker.pathname.endsWith('.ts') ? ['--import', 'tsx'] : undefined,
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
}

/** Statements kept at most; and of those whose text is long (multi-row inserts), at most. */
const keptStatements = 256;
const keptLongStatements = 4;
const longTextLength = 4096;

/**
 * The connection with its prepared statements kept, by text. Kysely's SQLite driver
 * prepares every query it runs, and SQLite compiling a statement costs more than running a
 * point look-up by key: a request's queries paid that each time (bench/README.md, issue 15).
 * Reuse is safe because the driver runs one statement at a time on its one connection, and
 * SQLite recompiles a kept statement by itself after a schema change. The least recently
 * used is dropped first. Long texts (multi-row inserts, whose text depends on their row
 * count) are kept apart, a few at a time, so that the remainders of large reports, seldom
 * used twice, never push out the short statements every request runs; the full batch of
 * an issue insert stays among them while reports come, and compiling its 8,192 parameters
 * had cost 4 to 18 ms of the event loop per statement.
 */
function keepingStatements(connection: SqliteDatabase.Database): SqliteForKysely {
  const short = new Map<string, SqliteDatabase.Statement>();
  const long = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => connection.close(),
    prepare: (text) => {
      const kept = text.length <= longTextLength ? short : long;
      const known = kept.get(text);
      // A statement an open iterator still holds cannot run again until it ends: a fresh one.
      if (known?.busy) return connection.prepare(text);
      if (known) {
        kept.delete(text);
        kept.set(text, known);
        return known;
      }
      const statement = connection.prepare(text);
      if (kept.size >= (kept === short ? keptStatements : keptLongStatements)) {
        const oldest = kept.keys().next().value;
        if (oldest !== undefined) kept.delete(oldest);
      }
      kept.set(text, statement);
      return statement;
    },
  };
}

function openPostgres(url: string, options: StoreOptions): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // Fail fast when the server is gone, so requests answer 503 instead of hanging.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next query gets a fresh connection or fails with 503.
  pool.on('error', () => {});
  // Each new connection, before its first query.
  if (options.preparedStatements ?? true) pool.on('connect', namingStatements);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    notifications: {
      publish: async (channel, payload) => {
        await sql`select pg_notify(${channel}, ${payload})`.execute(db);
      },
      subscribe: (channel, events) => listenPostgres(url, channel, events),
    },
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
