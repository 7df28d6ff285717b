import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { type Engine, openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? null;

/** Every engine the integration suites run on; PostgreSQL only with TEST_DATABASE_URL. */
export const engines: Engine[] = ['sqlite', 'postgres'];

/**
 * Declares `body` once per engine. Without TEST_DATABASE_URL the PostgreSQL block is
 * declared skipped, so the reporter counts it (global-setup.ts fails the run under CI).
 */
export function describeEachEngine(name: string, body: (engine: Engine) => void): void {
  for (const engine of engines) {
    describe.skipIf(engine === 'postgres' && !testDatabaseUrl)(`${name} [${engine}]`, () =>
      body(engine),
    );
  }
}

/** A PostgreSQL URL whose connections use `schema` as their search path. */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database URL of its own for one test: a fresh schema on PostgreSQL. */
export async function freshDatabaseUrl(
  engine: Engine,
  sqliteFile?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    return { url: `sqlite:${sqliteFile ?? ':memory:'}`, drop: async () => {} };
  }
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  return {
    url: withSchema(testDatabaseUrl, schema),
    // Schemas are dropped once, when the whole run ends (global-setup.ts), never while other
    // suites run: Kysely's migrator introspects every schema of the database, and a schema
    // dropped under that query makes it fail.
    drop: async () => {},
  };
}

/** A migrated store on a fresh database; `drop` closes it and removes the database. */
export async function freshStore(
  engine: Engine,
): Promise<{ store: Store; drop: () => Promise<void> }> {
  const database = await freshDatabaseUrl(engine);
  const store = openStore(database.url, { maxConnections: 4 });
  await migrateToLatest(store);
  return {
    store,
    drop: async () => {
      await store.close();
      await database.drop();
    },
  };
}

/** Runs SQL on the server's maintenance database (to create or drop whole databases). */
export async function onMaintenanceDatabase(serverUrl: string, statement: string): Promise<void> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL database of its own on the server of `serverUrl`, for what must not share the
 * test database (cutting connections off, a million rows); `drop` removes it whatever
 * still connects to it.
 */
export async function scratchDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await onMaintenanceDatabase(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onMaintenanceDatabase(serverUrl, `drop database ${name} with (force)`),
  };
}
