import type { Kysely, Selectable } from 'kysely';
import type { OrgRow } from './orgs.js';
import type { Database, SupersededSecretsTable } from './schema.js';
import type { TokenRow } from './tokens.js';

// The secrets rotations replaced (docs/security.md "Rotation, revocation and expiry"): kept as
// digests so that a rotated-out secret is told apart from a made-up one for ever after
// (TOKEN_ROTATED, not TOKEN_INVALID), and so that its use can be noticed.

export type SupersededSecretRow = Selectable<SupersededSecretsTable>;

/** Remembers the digest a rotation replaces; call in the rotation's transaction. */
export function insertSupersededSecret(
  db: Kysely<Database>,
  row: SupersededSecretRow,
): Promise<unknown> {
  return db.insertInto('superseded_secrets').values(row).execute();
}

/** What verification needs of a rotated-out secret: whose it was, and whether that is revoked. */
export interface SupersededSecret {
  tokenId: string;
  kind: string;
  name: string;
  orgId: string | null;
  revoked: boolean;
}

/** The token a rotation took this digest (hex) from, or undefined for a digest never issued. */
export async function findSupersededSecret(
  db: Kysely<Database>,
  digest: string,
): Promise<SupersededSecret | undefined> {
  const row = await db
    .selectFrom('superseded_secrets')
    .innerJoin('tokens', 'tokens.id', 'superseded_secrets.token_id')
    .select(['tokens.id', 'tokens.kind', 'tokens.name', 'tokens.org_id', 'tokens.revoked_at'])
    .where('superseded_secrets.digest', '=', digest)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    tokenId: row.id,
    kind: row.kind,
    name: row.name,
    orgId: row.org_id,
    revoked: row.revoked_at !== null,
  };
}

/** A rotated-out secret's use to record: when it was replaced, its token and organization. */
export interface SupersededNotice {
  supersededAt: string;
  token: TokenRow;
  org: Pick<OrgRow, 'id' | 'key' | 'name' | 'plan'>;
}

/**
 * Claims the record of a use of the rotated-out secret `digest` (hex) at `at`, unless a use
 * of any rotated-out secret of the same token was recorded after `since`: at most one per
 * token in that window, whichever instances see the uses. Call inside a transaction. The
 * token's row is locked first (a no-op update: a row lock on PostgreSQL; SQLite runs one
 * writer at a time anyway), so two claims for one token cannot both see no recent record.
 * Null when nothing is to be recorded.
 */
export async function claimSupersededNotice(
  db: Kysely<Database>,
  claim: { tokenId: string; digest: string; at: string; since: string },
): Promise<SupersededNotice | null> {
  await db
    .updateTable('tokens')
    .set((eb) => ({ rotated_at: eb.ref('rotated_at') }))
    .where('id', '=', claim.tokenId)
    .execute();
  const recent = await db
    .selectFrom('superseded_secrets')
    .select('digest')
    .where('token_id', '=', claim.tokenId)
    .where('noticed_at', '>', claim.since)
    .limit(1)
    .executeTakeFirst();
  if (recent) return null;
  const claimed = await db
    .updateTable('superseded_secrets')
    .set({ noticed_at: claim.at })
    .where('digest', '=', claim.digest)
    .where('token_id', '=', claim.tokenId)
    .returning('superseded_at')
    .executeTakeFirst();
  if (!claimed) return null;
  const row = await db
    .selectFrom('tokens')
    .innerJoin('orgs', 'orgs.id', 'tokens.org_id')
    .selectAll('tokens')
    .select(['orgs.key as org_key', 'orgs.name as org_name', 'orgs.plan as org_plan'])
    .where('tokens.id', '=', claim.tokenId)
    .executeTakeFirst();
  if (!row) return null;
  const { org_key, org_name, org_plan, ...token } = row;
  return {
    supersededAt: claimed.superseded_at,
    token,
    org: { id: token.org_id ?? '', key: org_key, name: org_name, plan: org_plan },
  };
}

/**
 * Ends the grace of the previous secret at the first successful use of the current one
 * (`digest`, hex): only while that grace is still the one the rotation gave (until first use,
 * not yet over at `at`) and `digest` is still the current secret, so a use seen late, after
 * another rotation, ends nothing. True when this call ended it.
 */
export async function endGraceAtFirstUse(
  db: Kysely<Database>,
  use: { tokenId: string; digest: string; at: string },
): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set({ previous_valid_until: use.at, previous_until_first_use: 0 })
    .where('id', '=', use.tokenId)
    .where('digest', '=', use.digest)
    .where('previous_until_first_use', '=', 1)
    .where('previous_valid_until', '>', use.at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
