import {
  CompiledQuery,
  createQueryId,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { Store } from '../../src/store/db.js';

/**
 * Counts the statements a piece of code sends to the store, by kind of query, and the
 * transactions it opens. A statement is counted when its result comes back: Kysely also
 * passes each subquery through `transformQuery` when the query holding it is built, so
 * counting there would count `where org_id in (select ...)` as two statements. Kysely
 * sends a transaction's BEGIN and COMMIT through the driver, not through plugins, so they
 * are counted apart (`transactions`): each one is two more round trips on PostgreSQL.
 */
export class StatementCounter implements KyselyPlugin {
  readonly byKind: Record<string, number> = {};
  statements = 0;
  transactions = 0;
  readonly #kinds = new WeakMap<QueryId, string>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#kinds.set(args.queryId, args.node.kind.replace(/QueryNode$/, '').toLowerCase());
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.statements += 1;
    const kind = this.#kinds.get(args.queryId) ?? 'raw';
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    return args.result;
  }

  /** The counts so far, as a plain object for a part's result. */
  snapshot() {
    return { statements: this.statements, transactions: this.transactions, byKind: this.byKind };
  }
}

/**
 * `store` with every statement and transaction counted by `counter`. The transaction count
 * comes from a proxy of the Kysely instance: `db.transaction()` is where a service opens one.
 */
export function countedStore(store: Store, counter: StatementCounter): Store {
  const db = store.db.withPlugin(counter);
  const counting = new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'transaction') {
        return () => {
          counter.transactions += 1;
          return target.transaction();
        };
      }
      // Kysely keeps its state in private fields: its methods must run on the real instance.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...store, db: counting };
}

/**
 * Records the queries a function runs, so that the exact SQL the application sends can be
 * explained (EXPLAIN needs the text and its parameters, which a query function does not
 * return). Only executed queries are kept, not the subqueries they were built from.
 */
export class QueryCapture implements KyselyPlugin {
  readonly executed: RootOperationNode[] = [];
  readonly #built = new WeakMap<QueryId, RootOperationNode>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#built.set(args.queryId, args.node);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const node = this.#built.get(args.queryId);
    if (node) this.executed.push(node);
    return args.result;
  }
}

/**
 * The SQL and parameters of the first query `run` sends through `store`, compiled by the
 * store's own dialect. `run` is executed (its query runs once).
 */
export async function capturedQuery(
  store: Store,
  run: (db: Store['db']) => Promise<unknown>,
): Promise<CompiledQuery> {
  const capture = new QueryCapture();
  await run(store.db.withPlugin(capture));
  const node = capture.executed[0];
  if (!node) throw new Error('the function ran no query');
  return store.db.getExecutor().compileQuery(node, createQueryId());
}

/**
 * The plan of `query` on `store`: on PostgreSQL EXPLAIN (ANALYZE, BUFFERS), which runs it
 * (the scans' reads have no side effects), with the same parameters the application binds;
 * on SQLite EXPLAIN QUERY PLAN, one line per step, indented by depth.
 */
export async function explain(store: Store, query: CompiledQuery): Promise<string> {
  if (store.engine === 'postgres') {
    const result = await store.db.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain (analyze, buffers) ${query.sql}`, [...query.parameters]),
    );
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  }
  const result = await store.db.executeQuery<{ id: number; parent: number; detail: string }>(
    CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
  );
  const depth = new Map<number, number>([[0, -1]]);
  return result.rows
    .map((row) => {
      const level = (depth.get(row.parent) ?? -1) + 1;
      depth.set(row.id, level);
      return `${'  '.repeat(level)}${row.detail}`;
    })
    .join('\n');
}
