import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * PostgreSQL statements prepared once per connection, by name: the texts the store runs for
 * every upload (the project read, the write of a small upload, the issue insert of a large
 * one) and every fixed statement (fixed-statements.ts). Sent unnamed, PostgreSQL parsed,
 * analysed and planned each one afresh at every run: a quarter of its CPU for a small upload
 * (bench/README.md "Small uploads, seventh round"). Only texts given here are named, and they
 * are written in the code, so a connection holds a bounded set of them; every other statement
 * is sent unnamed as before.
 *
 * A kept statement can go stale: a migration that changes the shape of its result or the type
 * of a column it writes makes every later run fail ("cached plan must not change result type",
 * SQLSTATE 0A000), and a statement the server no longer has fails with 26000 (a pooler that
 * does not keep them; `pg` closing one after a value it could not bind). `namingStatements`
 * then prepares the text again under a new name on that connection and runs it once more.
 * The texts list their columns, never `*` (refused below, as far as a text shows it), so that
 * the commonest migration, an added column, never makes them stale in the first place.
 */
const names = new Map<string, string>();

/** `text`, marked to be prepared by name on PostgreSQL; the name is derived from the text. */
export function preparedOnPostgres(text: string): string {
  if (/(^|[\s,.])\*(\s|,|\)|$)/.test(text)) {
    throw new Error('A prepared statement lists its columns: its text must not select *.');
  }
  if (!names.has(text)) {
    names.set(text, `ot_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`);
  }
  return text;
}

/** A statement this connection holds is stale or gone: prepare it again. */
const staleStatement = new Set(['0A000', '26000']);

type Query = (...args: unknown[]) => unknown;

/**
 * Sends the marked texts of `client`'s queries as named statements: `pg` parses a name once
 * per connection and then only binds and executes it. Everything else passes through.
 */
export function namingStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as unknown as Query;
  // Texts whose statement went stale on this connection, with how many times: each time the
  // text gets a name of its own again (the old statement is left to the session; a stale one
  // is rare, one per migration that touched it). A text that keeps going stale (behind a
  // pooler that loses them) is sent unnamed on this connection from then on, so that names
  // never pile up.
  const renamed = new Map<string, number>();
  const maxRenames = 3;
  const run = (text: string, values: unknown, base: string, times: number) =>
    times > maxRenames
      ? query(text, values)
      : query({ name: times === 0 ? base : `${base}_${times}`, text, values });
  const runNamed = async (text: string, values: unknown, base: string) => {
    const times = renamed.get(text) ?? 0;
    if (times > maxRenames) return query(text, values);
    try {
      return await run(text, values, base, times);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !staleStatement.has(code)) throw error;
      renamed.set(text, times + 1);
      // Once more under the new name. A statement that failed outside a transaction did
      // nothing, and now runs, or fails for a reason of its own (a foreign key, say), which
      // is the caller's answer. Inside a transaction, the first failure has already lost
      // it and the retry is refused (25P02): the caller gets the first error.
      try {
        return await run(text, values, base, times + 1);
      } catch (retryError) {
        throw (retryError as { code?: unknown }).code === '25P02' ? error : retryError;
      }
    }
  };
  // Anything not marked passes through as it came, and its answer as pg gives it: a
  // submittable (a cursor) comes back at once, not as a promise.
  const named = (...args: unknown[]) => {
    const [text, values] = args;
    const base =
      args.length <= 2 &&
      typeof text === 'string' &&
      (values === undefined || Array.isArray(values))
        ? names.get(text)
        : undefined;
    return base === undefined ? query(...args) : runNamed(text as string, values, base);
  };
  Object.assign(client, { query: named });
}
