import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';

// The SQLite store keeps its prepared statements by text (src/store/db.ts): a kept statement
// must answer exactly as a freshly prepared one would.
describe('kept SQLite statements', () => {
  let store: Store;
  afterEach(() => store.close());

  it('bind each call’s own parameters', async () => {
    store = openStore('sqlite::memory:');
    await sql`create table t (k text primary key, v text)`.execute(store.db);
    await sql`insert into t values ('a', 'one'), ('b', 'two')`.execute(store.db);
    const value = async (k: string) =>
      (await sql<{ v: string }>`select v from t where k = ${k}`.execute(store.db)).rows[0]?.v;
    expect([await value('a'), await value('b'), await value('c'), await value('a')]).toEqual([
      'one',
      'two',
      undefined,
      'one',
    ]);
  });

  it('see the schema as it is now, after a change made since they were kept', async () => {
    store = openStore('sqlite::memory:');
    await sql`create table t (a text)`.execute(store.db);
    await sql`insert into t values ('x')`.execute(store.db);
    const rows = async () => (await sql`select * from t`.execute(store.db)).rows;
    expect(await rows()).toEqual([{ a: 'x' }]);
    await sql`alter table t add column b text`.execute(store.db);
    expect(await rows()).toEqual([{ a: 'x', b: null }]);
    await sql`drop table t`.execute(store.db);
    await expect(rows()).rejects.toThrow(/no such table/);
  });

  it('answer as fresh ones for long multi-row texts, kept apart and reused', async () => {
    store = openStore('sqlite::memory:');
    await sql`create table t (k integer primary key, v text)`.execute(store.db);
    // Texts over 4 KiB, as a large report's issue inserts are: one used again and again
    // between others of other lengths, which come and go from the long texts kept.
    const insert = async (from: number, rows: number) => {
      const values = Array.from({ length: rows }, (_, i) => sql`(${from + i}, ${`v${from + i}`})`);
      await sql`insert into t (k, v) values ${sql.join(values)}`.execute(store.db);
    };
    let next = 0;
    for (let round = 0; round < 6; round += 1) {
      await insert(next, 700);
      next += 700;
      await insert(next, 701 + round);
      next += 701 + round;
    }
    const counted = await sql<{ n: number; sum: number; last: string }>`
      select count(*) as n, sum(k) as sum, max(v) as last from t`.execute(store.db);
    expect(counted.rows[0]).toEqual({
      n: next,
      sum: (next * (next - 1)) / 2,
      last: Array.from({ length: next }, (_, i) => `v${i}`)
        .sort()
        .at(-1),
    });
  });

  it('work inside transactions and after a rollback', async () => {
    store = openStore('sqlite::memory:');
    await sql`create table t (k text primary key)`.execute(store.db);
    const insert = (db: Store['db'], k: string) => sql`insert into t values (${k})`.execute(db);
    await store.db.transaction().execute((trx) => insert(trx, 'kept'));
    await expect(
      store.db.transaction().execute(async (trx) => {
        await insert(trx, 'rolled back');
        await insert(trx, 'kept');
      }),
    ).rejects.toThrow(/UNIQUE/);
    await insert(store.db, 'after');
    const keys = (await sql<{ k: string }>`select k from t order by k`.execute(store.db)).rows;
    expect(keys.map((row) => row.k)).toEqual(['after', 'kept']);
  });
});
