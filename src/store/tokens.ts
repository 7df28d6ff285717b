import {
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  sql,
} from 'kysely';
import type { TokenStatus } from '../domain/token-status.js';
import type { Database, TokenPoliciesTable, TokensTable } from './schema.js';

export type TokenRow = Selectable<TokensTable>;
export type PolicyRow = Selectable<TokenPoliciesTable>;

export function insertToken(db: Kysely<Database>, row: TokenRow): Promise<unknown> {
  return db.insertInto('tokens').values(row).execute();
}

/** What authenticating a secret needs, in one row: the token, its org's plan, its owner. */
export interface TokenForAuth {
  token: TokenRow;
  org: { id: string; key: string; plan: string } | null;
  user: { id: string; email: string; name: string; active: number; instance_admin: number } | null;
}

/** The token whose current or previous (rotated, in grace) secret has this digest. */
export async function findTokenForAuth(
  db: Kysely<Database>,
  digest: string,
): Promise<TokenForAuth | undefined> {
  const row = await db
    .selectFrom('tokens')
    .leftJoin('orgs', 'orgs.id', 'tokens.org_id')
    .leftJoin('users', 'users.id', 'tokens.user_id')
    .selectAll('tokens')
    .select([
      'orgs.key as org_key',
      'orgs.plan as org_plan',
      'users.email as user_email',
      'users.name as user_name',
      'users.active as user_active',
      'users.instance_admin as user_instance_admin',
    ])
    .where((eb) =>
      eb.or([eb('tokens.digest', '=', digest), eb('tokens.previous_digest', '=', digest)]),
    )
    .executeTakeFirst();
  if (!row) return undefined;
  const { org_key, org_plan, user_email, user_name, user_active, user_instance_admin, ...token } =
    row;
  return {
    token,
    org:
      token.org_id && org_key && org_plan
        ? { id: token.org_id, key: org_key, plan: org_plan }
        : null,
    user:
      token.user_id && user_email !== null && user_name !== null && user_active !== null
        ? {
            id: token.user_id,
            email: user_email,
            name: user_name,
            active: user_active,
            instance_admin: user_instance_admin ?? 0,
          }
        : null,
  };
}

export function findToken(
  db: Kysely<Database>,
  owner: { orgId: string } | { userId: string },
  id: string,
): Promise<TokenRow | undefined> {
  let query = db.selectFrom('tokens').selectAll().where('id', '=', id);
  query =
    'orgId' in owner
      ? query.where('org_id', '=', owner.orgId).where('kind', '=', 'organization')
      : query.where('user_id', '=', owner.userId).where('kind', '=', 'personal');
  return query.executeTakeFirst();
}

export interface TokenListFilter {
  owner: { orgId: string } | { userId: string };
  status?: TokenStatus | undefined;
  /**
   * The owner is an organization whose plan no longer includes organization tokens: every
   * token that is neither revoked nor expired is suspended (docs/concepts.md), and none is
   * expiring or active.
   */
  suspended?: boolean | undefined;
  /** Case-insensitive substring of the name. */
  q?: string | undefined;
  now: string;
  /** now + the expiring window. */
  soon: string;
  /**
   * Only stale tokens (stale: true) or only others; `cutoff` is now minus the organization's
   * staleAfterDays (null: it has none, and no token is stale).
   */
  stale?: { stale: boolean; cutoff: string | null } | undefined;
  /** Only unrevoked tokens expiring after now and at or before this. */
  expiresBefore?: string | undefined;
}

/** Tokens newest first (ids sort by creation), after the id `after`; `limit + 1` rows. */
export async function listTokens(
  db: Kysely<Database>,
  filter: TokenListFilter,
  page: { limit: number; after?: string | undefined },
): Promise<TokenRow[]> {
  // A token neither revoked nor expired is suspended while its owner's plan lacks
  // organization tokens, and active or expiring otherwise: a status the plan rules out
  // matches no token, and needs no query to say so.
  const ruledOut: TokenStatus[] = filter.suspended ? ['active', 'expiring'] : ['suspended'];
  if (filter.status !== undefined && ruledOut.includes(filter.status)) return [];
  let query = db
    .selectFrom('tokens')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  query =
    'orgId' in filter.owner
      ? query.where('org_id', '=', filter.owner.orgId).where('kind', '=', 'organization')
      : query.where('user_id', '=', filter.owner.userId).where('kind', '=', 'personal');
  if (page.after !== undefined) query = query.where('id', '<', page.after);
  if (filter.q) {
    const escaped = filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where(sql<boolean>`lower(name) like ${`%${escaped}%`} escape '\\'`);
  }
  if (filter.stale) query = staleFilter(query, filter.stale, filter.now);
  if (filter.expiresBefore !== undefined) {
    query = query
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', filter.now)
      .where('expires_at', '<=', filter.expiresBefore);
  }
  switch (filter.status) {
    case 'revoked':
      query = query.where('revoked_at', 'is not', null);
      break;
    case 'expired':
      query = query.where('revoked_at', 'is', null).where('expires_at', '<=', filter.now);
      break;
    case 'expiring':
      query = query
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', filter.now)
        .where('expires_at', '<=', filter.soon);
      break;
    case 'suspended':
      query = query
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', filter.now)]));
      break;
    case 'active':
      query = query
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', filter.soon)]));
      break;
  }
  return query.execute();
}

/**
 * The last activity of a token: its last use, or its creation if it was never used. The
 * stale scan's index is on this expression (migration 0005).
 */
export const lastActivity = sql<string>`coalesce(tokens.last_used_at, tokens.created_at)`;

function staleFilter<Q extends SelectQueryBuilder<Database, 'tokens', TokenRow>>(
  query: Q,
  { stale, cutoff }: { stale: boolean; cutoff: string | null },
  now: string,
): Q {
  const isStale = (eb: ExpressionBuilder<Database, 'tokens'>) =>
    cutoff === null
      ? eb.val(false)
      : eb.and([
          eb('revoked_at', 'is', null),
          eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]),
          eb(lastActivity, '<', cutoff),
        ]);
  return query.where((eb) => (stale ? isStale(eb) : eb.not(isStale(eb)))) as Q;
}

/** Changes a token that is not revoked; false when it was (or is gone). */
export async function updateLiveToken(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Omit<TokenRow, 'id' | 'kind' | 'org_id' | 'user_id'>>,
): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set(changes)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function updateToken(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Omit<TokenRow, 'id' | 'kind' | 'org_id' | 'user_id'>>,
): Promise<unknown> {
  return db.updateTable('tokens').set(changes).where('id', '=', id).execute();
}

/** Daily use counts of these tokens from `fromDay` (YYYY-MM-DD) on. */
export function dailyUsage(
  db: Kysely<Database>,
  tokenIds: string[],
  fromDay: string,
): Promise<Array<{ token_id: string; day: string; count: number }>> {
  if (tokenIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('token_usage_daily')
    .select(['token_id', 'day', 'count'])
    .where('token_id', 'in', tokenIds)
    .where('day', '>=', fromDay)
    .execute();
}

export interface TokenUsage {
  tokenId: string;
  lastUsedAt: string;
  ip: string | null;
  userAgent: string | null;
  days: Map<string, number>;
}

// Rows per statement: 4 (or 3) values each stays far below both engines' parameter limits.
const usageBatch = 500;

/**
 * Records one flush of usage for many tokens in two multi-row statements per 500 tokens:
 * last use (never moved back, whatever order instances flush in) and the day counts
 * (added to). Call inside a transaction. The rows must be in one order on every instance
 * (sorted by token id), so that concurrent flushes cannot deadlock.
 */
export async function applyUsage(db: Kysely<Database>, usage: TokenUsage[]): Promise<void> {
  for (let start = 0; start < usage.length; start += usageBatch) {
    const batch = usage.slice(start, start + usageBatch);
    const rows = sql.join(
      batch.map((u) => sql`(${u.tokenId}, ${u.lastUsedAt}, ${u.ip}, ${u.userAgent})`),
    );
    // A CTE names the VALUES columns the same way on SQLite and PostgreSQL. A use starts a
    // new unused period: the stale notice of the last one is cleared.
    await sql`
      with v(id, at, ip, agent) as (values ${rows})
      update tokens
      set last_used_at = v.at, last_used_ip = v.ip, last_used_user_agent = v.agent,
        stale_noticed_at = null
      from v
      where tokens.id = v.id and (tokens.last_used_at is null or tokens.last_used_at < v.at)
    `.execute(db);
    const counts = batch.flatMap((u) =>
      [...u.days].map(([day, count]) => ({ token_id: u.tokenId, day, count })),
    );
    await db
      .insertInto('token_usage_daily')
      .values(counts)
      .onConflict((oc) =>
        oc.columns(['token_id', 'day']).doUpdateSet((eb) => ({
          count: eb('token_usage_daily.count', '+', eb.ref('excluded.count')),
        })),
      )
      .execute();
  }
}

export function findPolicy(db: Kysely<Database>, orgId: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('token_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export function upsertPolicy(db: Kysely<Database>, row: PolicyRow): Promise<unknown> {
  return db
    .insertInto('token_policies')
    .values(row)
    .onConflict((oc) =>
      oc.column('org_id').doUpdateSet({
        max_lifetime_days: row.max_lifetime_days,
        require_expiry: row.require_expiry,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** A user's personal access token with this name that is not revoked. */
export function findLivePersonalToken(
  db: Kysely<Database>,
  userId: string,
  name: string,
): Promise<TokenRow | undefined> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', 'personal')
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
