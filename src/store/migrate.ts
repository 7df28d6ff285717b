import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Store } from './db.js';
import * as foundation from './migrations/20261129-0001-foundation.js';
import * as tokens from './migrations/20261129-0002-tokens.js';
import * as analyses from './migrations/20261129-0003-analyses.js';
import * as narrowedPersonalTokens from './migrations/20261201-0004-narrowed-personal-tokens.js';
import * as notifications from './migrations/20261202-0005-notifications.js';
import * as trustPolicies from './migrations/20261202-0006-trust-policies.js';
import * as leaks from './migrations/20261202-0007-leaks.js';
import * as issuesWithoutRowChecks from './migrations/20261203-0008-issues-without-row-checks.js';

// Listed statically so the build needs no file-system scan and the order is explicit.
const migrations: Record<string, Migration> = {
  '20261129-0001-foundation': foundation,
  '20261129-0002-tokens': tokens,
  '20261129-0003-analyses': analyses,
  '20261201-0004-narrowed-personal-tokens': narrowedPersonalTokens,
  '20261202-0005-notifications': notifications,
  '20261202-0006-trust-policies': trustPolicies,
  '20261202-0007-leaks': leaks,
  '20261203-0008-issues-without-row-checks': issuesWithoutRowChecks,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

async function migrator(store: Store): Promise<Migrator> {
  // Kysely looks for its bookkeeping tables across every schema unless told which one;
  // on PostgreSQL that is the connection's current schema (the search_path's first).
  const schema =
    store.engine === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]
          ?.schema
      : undefined;
  return new Migrator({
    db: store.db,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const { error, results } = await (await migrator(store)).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).map((r) => r.migrationName);
}

/** True when every known migration has been applied (used by /readyz). */
export async function migrationsApplied(store: Store): Promise<boolean> {
  const known = await (await migrator(store)).getMigrations();
  return known.every((m) => m.executedAt !== undefined);
}
