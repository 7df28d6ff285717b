import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { OrgRow } from './orgs.js';
import type { Database } from './schema.js';
import { lastActivity, type TokenRow } from './tokens.js';

/** A token the scans look at, with what its event names of its organization. */
export type NoticeCandidate = TokenRow & { org: Pick<OrgRow, 'id' | 'key' | 'name' | 'plan'> };

function withOrg(rows: Array<TokenRow & { org_key: string; org_name: string; org_plan: string }>) {
  return rows.map(
    ({ org_key, org_name, org_plan, ...token }): NoticeCandidate => ({
      ...token,
      org: { id: token.org_id ?? '', key: org_key, name: org_name, plan: org_plan },
    }),
  );
}

/**
 * Tokens whose expiry notice is due by `now`, soonest first: read through the partial index
 * on expiry_notice_at, so a scan reads only what it has to look at (docs/architecture.md
 * "Expiry and stale scans").
 */
export async function dueExpiryNotices(
  db: Kysely<Database>,
  now: string,
  limit: number,
): Promise<NoticeCandidate[]> {
  const rows = await db
    .selectFrom('tokens')
    .innerJoin('orgs', 'orgs.id', 'tokens.org_id')
    .selectAll('tokens')
    .select(['orgs.key as org_key', 'orgs.name as org_name', 'orgs.plan as org_plan'])
    .where('tokens.expiry_notice_at', 'is not', null)
    .where('tokens.expiry_notice_at', '<=', now)
    .orderBy('tokens.expiry_notice_at')
    .limit(limit)
    .execute();
  return withOrg(rows);
}

/**
 * Moves a token's expiry notice on from the state a scan read (`seen`): false when another
 * scan (of this instance or another) or a change of the token did so first.
 */
export async function advanceExpiryNotice(
  db: Kysely<Database>,
  id: string,
  seen: string,
  next: { expiry_notice_at: string | null; expiry_notice_days: number | null },
): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set(next)
    .where('id', '=', id)
    .where('expiry_notice_at', '=', seen)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Which organizations a stale period applies to. */
export type StaleGroup =
  | { kind: 'chosen'; days: number }
  /** Organizations without settings, and those that chose the default itself. */
  | { kind: 'default'; days: number };

/**
 * Live organization tokens without a stale notice for their current unused period whose
 * last activity is before `cutoff`, in the organizations of `group`: read through the
 * partial index on the last activity (tokens_stale_scan).
 */
export async function staleCandidates(
  db: Kysely<Database>,
  group: StaleGroup,
  cutoff: string,
  limit: number,
): Promise<NoticeCandidate[]> {
  let query = db
    .selectFrom('tokens')
    .innerJoin('orgs', 'orgs.id', 'tokens.org_id')
    .selectAll('tokens')
    .select(['orgs.key as org_key', 'orgs.name as org_name', 'orgs.plan as org_plan'])
    // The partial index's own terms, as literals: a planner proves an index usable from
    // the query's text, and cannot from a bound parameter.
    .where(sql<boolean>`tokens.kind = 'organization'`)
    .where('tokens.revoked_at', 'is', null)
    .where('tokens.stale_noticed_at', 'is', null)
    .where(lastActivity, '<', cutoff);
  // A correlated EXISTS, not IN (subquery): with it both planners walk the stale-scan index
  // in order of last activity and stop at `limit` (bench/README.md "Expiry and stale scans").
  const settings = (eb: ExpressionBuilder<Database, 'tokens' | 'orgs'>) =>
    eb
      .selectFrom('notification_settings')
      .select(sql`1`.as('one'))
      .whereRef('notification_settings.org_id', '=', 'tokens.org_id');
  query =
    group.kind === 'chosen'
      ? query.where((eb) =>
          eb.exists(settings(eb).where('notification_settings.stale_after_days', '=', group.days)),
        )
      : query.where((eb) =>
          eb.not(
            eb.exists(
              settings(eb).where((inner) =>
                inner.or([
                  inner('notification_settings.stale_after_days', 'is', null),
                  inner('notification_settings.stale_after_days', '<>', group.days),
                ]),
              ),
            ),
          ),
        );
  query = query.orderBy(lastActivity);
  return withOrg(await query.limit(limit).execute());
}

/** Marks the current unused period of a token noticed; false when it already was or is over. */
export async function markStaleNoticed(
  db: Kysely<Database>,
  id: string,
  lastActivityAt: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set({ stale_noticed_at: at })
    .where('id', '=', id)
    .where('stale_noticed_at', 'is', null)
    .where(lastActivity, '=', lastActivityAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
