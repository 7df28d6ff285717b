/**
 * The SQLite store's checkpointer (see `walCheckpointer` in db.ts), run by a one-thread
 * piscina pool: a connection of its own to the database file that copies the write-ahead log
 * back into the database. PASSIVE never waits for, nor blocks, the serving connection's
 * writes; it copies what no reader still needs, and the next write starts the log over once
 * all of it has been copied.
 */
import SqliteDatabase from 'better-sqlite3';

const connections = new Map<string, SqliteDatabase.Database>();

/** Checkpoints the database at `path`; the log's frames and those copied. */
export function checkpoint(path: string): { log: number; checkpointed: number } | null {
  let connection = connections.get(path);
  if (!connection) {
    connection = new SqliteDatabase(path);
    connections.set(path, connection);
  }
  const [result] = connection.pragma('wal_checkpoint(PASSIVE)') as Array<{
    log: number;
    checkpointed: number;
  }>;
  return result ?? null;
}
