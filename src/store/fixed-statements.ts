import { type Compilable, CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { preparedOnPostgres } from './prepared-statements.js';
import type { Database } from './schema.js';

// Texts by dialect: Kysely's adapter is one object per database handle, shared by its
// transactions and plugins, so a text compiled for one handle serves all of them.
const texts = new WeakMap<object, Map<string, string>>();

/**
 * A statement whose text never changes, built and compiled by Kysely once per database and
 * then run with each call's `parameters`: for a short insert, Kysely's builder and compiler
 * cost more than SQLite's run of it (20–28 µs against 18 µs for an audit event, on the
 * machine of bench/README.md's fifth ingest round), on every write that records an event.
 * `build` builds the statement from `values`, and `parameters` are the values in the order
 * the compiled statement takes them; the first compile checks that order, so a statement
 * whose builder reorders them fails at once instead of writing values into the wrong columns.
 */
export function fixedStatement(
  db: Kysely<Database>,
  name: string,
  build: (values: readonly unknown[]) => Compilable,
  parameters: readonly unknown[],
): CompiledQuery {
  const executor = db.getExecutor();
  // A handle with plugins (`withSchema` is one; the tests count queries with another) may
  // compile the same query to another text, and its plugins see only what they compile.
  if (executor.plugins.length > 0) return build(parameters).compile();
  let named = texts.get(executor.adapter);
  if (!named) {
    named = new Map();
    texts.set(executor.adapter, named);
  }
  let text = named.get(name);
  if (text === undefined) {
    // Compiled once with a distinct stand-in for each value: the statement must take them
    // back in the same order, which equal values (two nulls side by side) could not show.
    const standIns = parameters.map((_, i) => `fixed statement parameter ${i}`);
    const compiled = build(standIns).compile();
    const same =
      compiled.parameters.length === standIns.length &&
      compiled.parameters.every((value, i) => value === standIns[i]);
    if (!same) throw new Error(`The parameters of the fixed statement ${name} are out of order.`);
    text = preparedOnPostgres(compiled.sql);
    named.set(name, text);
  }
  return CompiledQuery.raw(text, [...parameters]);
}

/**
 * A row's values in the order of `columns`, a missing one as null: Kysely leaves out a column
 * whose value is undefined, which would change the statement's text.
 */
export function valuesOf<R>(row: R, columns: readonly (keyof R)[]): unknown[] {
  return columns.map((column) => row[column] ?? null);
}

/**
 * The insert of one whole row into `table` as a fixed statement: every one of `columns`, in
 * their order, whatever order the row was built in.
 */
export function fixedInsert<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  row: Selectable<Database[T]>,
  columns: readonly (keyof Selectable<Database[T]>)[],
): CompiledQuery {
  return fixedStatement(
    db,
    `insert into ${table} (${columns.join(', ')})`,
    (values) =>
      db
        .insertInto(table)
        // Kysely cannot tie a row type to a table chosen by a type parameter.
        .values(Object.fromEntries(columns.map((column, i) => [column, values[i]])) as never),
    valuesOf(row, columns),
  );
}
