import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointIntervalMs, openStore } from '../../src/store/db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('the SQLite write-ahead log', () => {
  it('is copied into the database off the serving connection, and what was written survives reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgtoken-checkpoint-'));
    dirs.push(dir);
    const path = join(dir, 'store.db');
    const store = openStore(`sqlite:${path}`);
    await sql`create table filler (id integer primary key, text text not null)`.execute(store.db);
    const before = statSync(path).size;
    // About 8 MB: far past the 1,000 pages at which SQLite would checkpoint by itself at commit.
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 2000; i += 1) {
        await sql`insert into filler (text) values (${'x'.repeat(4000)})`.execute(trx);
      }
    });
    // The commit copied nothing: it all waits in the log.
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(8_000_000);
    // The checkpointer's connection copies it within a tick or two.
    expect(
      await until(() => statSync(path).size > 8_000_000, 4 * checkpointIntervalMs + 5000),
    ).toBe(true);
    await store.close();
    // Closing checkpoints the rest and removes the log.
    expect(existsSync(`${path}-wal`)).toBe(false);

    const reopened = openStore(`sqlite:${path}`);
    const count = await sql<{ n: number }>`select count(*) as n from filler`.execute(reopened.db);
    expect(count.rows[0]?.n).toBe(2000);
    await reopened.close();
  });
});
