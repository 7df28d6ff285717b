import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Store } from '../../src/store/db.js';

/** Every table of the store, read from the store itself: a new table cannot be left out. */
async function tablesOf(store: Store): Promise<string[]> {
  const { rows } =
    store.engine === 'postgres'
      ? await sql<{ name: string }>`
          select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(store.db)
      : await sql<{ name: string }>`
          select name from sqlite_master
          where type = 'table' and name not like 'sqlite\\_%' escape '\\'`.execute(store.db);
  // Kysely's own bookkeeping changes only when migrations run.
  return rows
    .map((row) => row.name)
    .filter((name) => !name.startsWith('kysely_'))
    .sort();
}

/**
 * A digest of every row of every table, order-independent: equal digests before and after
 * a request mean the request changed nothing. Denied authentications are audited off the
 * request path by design, so those events are left out.
 */
export async function storeDigest(store: Store): Promise<string> {
  const hash = createHash('sha256');
  for (const table of await tablesOf(store)) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
      store.db,
    );
    const kept =
      table === 'audit_events' ? rows.filter((row) => row.action !== 'token.auth_denied') : rows;
    hash.update(table);
    hash.update(JSON.stringify(kept.map((row) => JSON.stringify(row)).sort()));
  }
  return hash.digest('hex');
}
