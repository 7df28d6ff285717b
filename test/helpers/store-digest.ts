import { createHash } from 'node:crypto';
import type { Store } from '../../src/store/db.js';

const tables = [
  'users',
  'orgs',
  'memberships',
  'projects',
  'sessions',
  'tokens',
  'token_usage_daily',
  'token_policies',
  'quality_gates',
  'analyses',
  'analysis_issues',
  'audit_events',
] as const;

/**
 * A digest of every row of every table, order-independent: equal digests before and after
 * a request mean the request changed nothing. Denied authentications are audited off the
 * request path by design, so those events are left out.
 */
export async function storeDigest(store: Store): Promise<string> {
  const hash = createHash('sha256');
  for (const table of tables) {
    let rows = (await store.db.selectFrom(table).selectAll().execute()) as Array<
      Record<string, unknown>
    >;
    if (table === 'audit_events') rows = rows.filter((row) => row.action !== 'token.auth_denied');
    hash.update(JSON.stringify(rows.map((row) => JSON.stringify(row)).sort()));
  }
  return hash.digest('hex');
}
