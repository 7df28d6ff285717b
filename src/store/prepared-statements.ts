import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * PostgreSQL statements prepared once per connection, by name: the texts the store runs for
 * every upload (the project read and the write of a small upload) and every fixed statement
 * (fixed-statements.ts). Sent unnamed, PostgreSQL parsed, analysed and planned each one
 * afresh at every run: a quarter of its CPU for a small upload (bench/README.md "Small
 * uploads, seventh round"). Only texts given here are named, and they are written in the
 * code, so a connection holds a bounded set of them; every other statement is sent unnamed
 * as before. A named text lists its columns, never `*`: a plan PostgreSQL keeps must not
 * change its result's shape when a migration adds a column (it would fail every run with
 * "cached plan must not change result type" until the connection closed).
 */
const names = new Map<string, string>();

/** `text`, marked to be prepared by name on PostgreSQL; the name is derived from the text. */
export function preparedOnPostgres(text: string): string {
  if (/(^|[\s,.])\*(\s|,|$)/.test(text)) {
    throw new Error('A prepared statement lists its columns: its text must not select *.');
  }
  if (!names.has(text)) {
    names.set(text, `ot_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`);
  }
  return text;
}

/**
 * Sends the marked texts of `client`'s queries as named statements: `pg` parses a name once
 * per connection and then only binds and executes it. Everything else passes through.
 */
export function namingStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = (...args: unknown[]) => {
    const [text, values] = args;
    const name = args.length <= 2 && typeof text === 'string' ? names.get(text) : undefined;
    return name === undefined ? query(...args) : query({ name, text, values });
  };
  Object.assign(client, { query: named });
}
