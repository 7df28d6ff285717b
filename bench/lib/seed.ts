import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { checksum } from '../../src/domain/token-format.js';
import { newTokenRow } from '../../src/services/token-rows.js';
import type { Store } from '../../src/store/db.js';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The secret of bench token `index` of `orgId`: a well-formed organization token whose random
 * part is derived from SHA-512 of the org and index instead of the CSPRNG, so that any token
 * can be regenerated on its own and no benchmark needs to hold a million secrets. Bench only:
 * such a secret is guessable by design.
 */
export function benchSecret(index: number, orgId = 'bench-org'): string {
  let random = '';
  for (let round = 0; random.length < 30; round += 1) {
    const bytes = createHash('sha512').update(`${orgId}:${index}:${round}`).digest();
    for (const byte of bytes) {
      // Rejection sampling as generateToken does (248 = 4 × 62).
      if (byte < 248) random += alphabet[byte % 62];
      if (random.length === 30) break;
    }
  }
  const body = `oto_${random}`;
  return body + checksum(body);
}

/** The secrets of bench tokens 0 to count - 1 of `orgId`. For small counts only. */
export function benchSecrets(count: number, orgId = 'bench-org'): string[] {
  return Array.from({ length: count }, (_, i) => benchSecret(i, orgId));
}

/**
 * Creates an organization `orgId` (team plan) and `count` organization tokens in it with
 * multi-row inserts; token `i` has the secret benchSecret(i, orgId) and the id
 * `<orgId>-<i, 8 digits>`. For benchmarks only: it writes rows directly, as the token service
 * would, without audit events.
 */
export async function seedOrgTokens(store: Store, count: number, orgId = 'bench-org') {
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
  const batch = 1000;
  for (let start = 0; start < count; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + batch); i += 1) {
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
          secret: benchSecret(i, orgId),
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
}
