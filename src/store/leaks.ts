import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { TokenRow } from './tokens.js';

/** A reported token with what its leak response needs of its organization (none: a PAT). */
export type LeakedToken = TokenRow & {
  org: { id: string; key: string; name: string; plan: string; leak_response: string } | null;
};

/**
 * The tokens whose current secret, or whose previous secret still in its grace period, has
 * one of these digests: one query for a whole report.
 */
export async function tokensByDigest(
  db: Kysely<Database>,
  digests: string[],
): Promise<LeakedToken[]> {
  if (digests.length === 0) return [];
  const rows = await db
    .selectFrom('tokens')
    .leftJoin('orgs', 'orgs.id', 'tokens.org_id')
    .selectAll('tokens')
    .select([
      'orgs.key as org_key',
      'orgs.name as org_name',
      'orgs.plan as org_plan',
      'orgs.leak_response as org_leak_response',
    ])
    .where((eb) =>
      eb.or([eb('tokens.digest', 'in', digests), eb('tokens.previous_digest', 'in', digests)]),
    )
    .execute();
  return rows.map(({ org_key, org_name, org_plan, org_leak_response, ...token }) => ({
    ...token,
    org:
      token.org_id && org_key && org_name && org_plan && org_leak_response
        ? {
            id: token.org_id,
            key: org_key,
            name: org_name,
            plan: org_plan,
            leak_response: org_leak_response,
          }
        : null,
  }));
}

/**
 * Marks a live token leaked (the first report's time, source and place are kept), and
 * revokes it when `revoke`; false when it was revoked meanwhile.
 */
export async function markLeaked(
  db: Kysely<Database>,
  id: string,
  leak: { at: string; source: string; url: string | null; revoke: boolean; by: string },
): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set((eb) => ({
      leaked_at: eb.fn.coalesce('leaked_at', eb.val(leak.at)),
      leak_source: eb.fn.coalesce('leak_source', eb.val(leak.source)),
      leak_url: eb.fn.coalesce('leak_url', eb.val(leak.url)),
      ...(leak.revoke
        ? {
            revoked_at: leak.at,
            revoked_by: null,
            revoked_by_name: leak.by,
            expiry_notice_at: null,
          }
        : {}),
    }))
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findLeakResponse(
  db: Kysely<Database>,
  orgId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('orgs')
    .select('leak_response')
    .where('id', '=', orgId)
    .executeTakeFirst();
  return row?.leak_response;
}

export function updateLeakResponse(
  db: Kysely<Database>,
  orgId: string,
  action: string,
  at: string,
): Promise<unknown> {
  return db
    .updateTable('orgs')
    .set({ leak_response: action, updated_at: at })
    .where('id', '=', orgId)
    .execute();
}
