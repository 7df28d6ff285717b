import type { Kysely, Selectable } from 'kysely';
import type { Database, TrustPoliciesTable } from './schema.js';
import type { TokenRow } from './tokens.js';

export type TrustPolicyRow = Selectable<TrustPoliciesTable>;

export function insertTrustPolicy(db: Kysely<Database>, row: TrustPolicyRow): Promise<unknown> {
  return db.insertInto('trust_policies').values(row).execute();
}

export function findTrustPolicy(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<TrustPolicyRow | undefined> {
  return db
    .selectFrom('trust_policies')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A policy named by id or by name, for an exchange that names one. */
export function findTrustPolicyByRef(
  db: Kysely<Database>,
  orgId: string,
  ref: string,
): Promise<TrustPolicyRow | undefined> {
  return db
    .selectFrom('trust_policies')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
    .orderBy('id')
    .executeTakeFirst();
}

/** The organization's policies that trust exactly this issuer and audience, oldest first. */
export function trustPoliciesFor(
  db: Kysely<Database>,
  orgId: string,
  issuer: string,
  audience: string,
): Promise<TrustPolicyRow[]> {
  return db
    .selectFrom('trust_policies')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('issuer', '=', issuer)
    .where('audience', '=', audience)
    .orderBy('id')
    .execute();
}

/** Newest first, after `after`; `limit + 1` rows. */
export function listTrustPolicies(
  db: Kysely<Database>,
  orgId: string,
  page: { limit: number; after?: string | undefined },
): Promise<TrustPolicyRow[]> {
  let query = db
    .selectFrom('trust_policies')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('id', '<', page.after);
  return query.execute();
}

export function updateTrustPolicy(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Omit<TrustPolicyRow, 'id' | 'org_id' | 'created_at'>>,
): Promise<unknown> {
  return db.updateTable('trust_policies').set(changes).where('id', '=', id).execute();
}

/**
 * Revokes the live tokens a policy minted and deletes it; returns the ids revoked, whose
 * cached verifications the caller evicts.
 */
export async function deleteTrustPolicy(
  db: Kysely<Database>,
  id: string,
  revoked: { at: string; by: string; byName: string },
): Promise<string[]> {
  const rows = await db
    .updateTable('tokens')
    .set({ revoked_at: revoked.at, revoked_by: revoked.by, revoked_by_name: revoked.byName })
    .where('policy_id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  await db.deleteFrom('trust_policies').where('id', '=', id).execute();
  return rows.map((row) => row.id);
}

/** The tokens a policy minted, newest first; `limit + 1` rows. */
export function listExchanges(
  db: Kysely<Database>,
  policyId: string,
  page: { limit: number; after?: string | undefined },
): Promise<TokenRow[]> {
  let query = db
    .selectFrom('tokens')
    .selectAll()
    .where('policy_id', '=', policyId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('id', '<', page.after);
  return query.execute();
}

/** One token a policy minted. */
export function findMintedToken(
  db: Kysely<Database>,
  policyId: string,
  tokenId: string,
): Promise<TokenRow | undefined> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('policy_id', '=', policyId)
    .where('id', '=', tokenId)
    .executeTakeFirst();
}

/**
 * Records a JWT's id as used until it expires; false when it already was (a replay). In
 * the transaction that mints the token, so a failed mint leaves the id unused.
 */
export async function claimJwtId(
  db: Kysely<Database>,
  issuer: string,
  jti: string,
  expiresAt: string,
): Promise<boolean> {
  const result = await db
    .insertInto('oidc_replay')
    .values({ issuer, jti, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['issuer', 'jti']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** Forgets JWT ids whose tokens have expired: they cannot be presented again anyway. */
export async function purgeJwtIds(db: Kysely<Database>, now: string): Promise<number> {
  const result = await db
    .deleteFrom('oidc_replay')
    .where('expires_at', '<', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
