import { sql } from 'kysely';
import { generateToken } from '../../src/domain/token-format.js';
import { newTokenRow } from '../../src/services/token-rows.js';
import type { Store } from '../../src/store/db.js';

/**
 * Creates an organization `bench` (team plan) and `count` organization tokens in it with
 * multi-row inserts, and returns their secrets. For benchmarks only: it writes rows
 * directly, as the token service would, without audit events.
 */
export async function seedOrgTokens(
  store: Store,
  count: number,
  orgId = 'bench-org',
): Promise<string[]> {
  const now = new Date().toISOString();
  await store.db
    .insertInto('orgs')
    .values({
      id: orgId,
      key: orgId,
      name: 'Bench',
      plan: 'team',
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const secrets: string[] = [];
  const batch = 1000;
  for (let start = 0; start < count; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + batch); i += 1) {
      const secret = generateToken('organization');
      secrets.push(secret);
      rows.push(
        newTokenRow({
          id: `${orgId}-${String(i).padStart(8, '0')}`,
          kind: 'organization',
          orgId,
          userId: null,
          name: `token-${i}`,
          permissions: '["analysis:execute","project:browse"]',
          projects: '{"mode":"all"}',
          allowedCidrs: '[]',
          secret,
          expiresAt: null,
          createdAt: now,
          creator: null,
        }),
      );
    }
    await store.db.insertInto('tokens').values(rows).execute();
  }
  // Fresh planner statistics, as autovacuum would gather soon after a bulk load.
  if (store.engine === 'postgres') await sql`analyze tokens`.execute(store.db);
  return secrets;
}
