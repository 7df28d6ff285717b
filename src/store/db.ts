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
import { type ChannelEvents, listenPostgres, type Subscription } from './notifications.js';
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
    close: () => db.destroy(),
  };
}

/** Statements kept at most, and the longest text kept (a multi-row insert is not reused). */
const keptStatements = 256;
const keptTextLength = 4096;

/**
 * The connection with its prepared statements kept, by text. Kysely's SQLite driver
 * prepares every query it runs, and SQLite compiling a statement costs more than running a
 * point look-up by key: a request's queries paid that each time (bench/README.md, issue 15).
 * Reuse is safe because the driver runs one statement at a time on its one connection, and
 * SQLite recompiles a kept statement by itself after a schema change. Oldest kept dropped
 * first; long texts (multi-row inserts, whose text depends on their row count) are never kept.
 */
function keepingStatements(connection: SqliteDatabase.Database): SqliteForKysely {
  const kept = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => connection.close(),
    prepare: (text) => {
      const known = kept.get(text);
      if (known) return known;
      const statement = connection.prepare(text);
      if (text.length <= keptTextLength) {
        if (kept.size >= keptStatements) {
          const oldest = kept.keys().next().value;
          if (oldest !== undefined) kept.delete(oldest);
        }
        kept.set(text, statement);
      }
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
