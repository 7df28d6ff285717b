import type { NewPersonalToken, PersonalToken } from '../contract/tokens.js';
import type { Caller, UserActor } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import type { Permission } from '../domain/permissions.js';
import type { ProjectScope } from '../domain/project-scope.js';
import { generateToken } from '../domain/token-format.js';
import { checkExpiry, defaultTokenPolicy } from '../domain/token-policy.js';
import { expiringWindowMs, type TokenStatus, tokenStatus } from '../domain/token-status.js';
import { findOrgKeys } from '../store/orgs.js';
import { findToken, insertToken, listTokens, type TokenRow, updateToken } from '../store/tokens.js';
import { orgAccess, requireSessionUser } from './access.js';
import type { ServiceDeps } from './context.js';
import { checkProjectScope } from './projects.js';
import type { PageRequest } from './refs.js';

import { newTokenRow } from './token-rows.js';

export function presentPersonalToken(
  row: TokenRow,
  now: Date,
  orgKey: string | null,
): PersonalToken {
  const permissions = JSON.parse(row.permissions) as Permission[];
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    status: tokenStatus({ revokedAt: row.revoked_at, expiresAt: row.expires_at }, now),
    permissions: permissions.length > 0 ? permissions : null,
    org: row.scope_org_id === null ? null : orgKey,
    projects: row.scope_org_id === null ? null : (JSON.parse(row.projects) as ProjectScope),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    lastUsedUserAgent: row.last_used_user_agent,
    revokedAt: row.revoked_at,
  };
}

/**
 * Creates a personal access token for the signed-in user. It acts as the user, with exactly
 * the user's current rights, or fewer when narrowed; the secret is in the answer only.
 */
export async function createPersonalToken(
  deps: ServiceDeps,
  caller: Caller,
  input: NewPersonalToken,
): Promise<PersonalToken & { token: string }> {
  const user = requireSessionUser(caller.actor);
  return issuePersonalToken(deps, user, input);
}

/**
 * Issues a personal access token for `user`. A narrowing organization must be one the user
 * can see (else NOT_FOUND, as everywhere), and listed project keys must exist in it.
 */
export async function issuePersonalToken(
  deps: ServiceDeps,
  user: UserActor,
  input: NewPersonalToken,
  /** What the caller's API calls these fields, when it names them otherwise. */
  fields: { expiresAt: string; projects: string } = {
    expiresAt: 'expiresAt',
    projects: 'projects',
  },
): Promise<PersonalToken & { token: string }> {
  const now = deps.clock.now();
  const expiresAt = checkExpiry(input.expiresAt, defaultTokenPolicy, now, fields.expiresAt);
  if (input.projects !== undefined && input.org === undefined) {
    throw invalid(fields.projects, 'a project scope needs the organization it is in (org)');
  }
  let org: { id: string; key: string } | null = null;
  let projects: ProjectScope = { mode: 'all' };
  if (input.org !== undefined) {
    org = (await orgAccess(deps, user, input.org)).org;
    projects = await checkProjectScope(
      deps,
      org.id,
      input.projects ?? { mode: 'all' },
      fields.projects,
    );
  }
  const secret = generateToken('personal');
  const row = newTokenRow({
    id: newId(now.getTime()),
    kind: 'personal',
    orgId: null,
    userId: user.id,
    scopeOrgId: org?.id ?? null,
    name: input.name.trim(),
    permissions: JSON.stringify([...new Set(input.permissions ?? [])]),
    projects: JSON.stringify(projects),
    allowedCidrs: '[]',
    secret,
    expiresAt,
    createdAt: now.toISOString(),
    creator: user,
  });
  await insertToken(deps.store.db, row);
  return { ...presentPersonalToken(row, now, org?.key ?? null), token: secret };
}

function keysOf(keys: Map<string, string>, row: TokenRow): string | null {
  return row.scope_org_id === null ? null : (keys.get(row.scope_org_id) ?? null);
}

/** The user's own personal access tokens, newest first. */
export async function pagePersonalTokens(
  deps: ServiceDeps,
  caller: Caller,
  page: PageRequest,
): Promise<Page<PersonalToken>> {
  const user = requireSessionUser(caller.actor);
  return listPersonalTokens(deps, user, page);
}

export async function listPersonalTokens(
  deps: ServiceDeps,
  user: UserActor,
  page: PageRequest & { status?: TokenStatus | undefined },
): Promise<Page<PersonalToken>> {
  const now = deps.clock.now();
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const rows = await listTokens(
    deps.store.db,
    {
      owner: { userId: user.id },
      status: page.status,
      now: now.toISOString(),
      soon: new Date(now.getTime() + expiringWindowMs).toISOString(),
    },
    { limit: page.limit, after },
  );
  const keys = await findOrgKeys(
    deps.store.db,
    rows.flatMap((row) => (row.scope_org_id === null ? [] : [row.scope_org_id])),
  );
  return toPage(
    rows,
    page.limit,
    (row) => [row.id],
    (row) => presentPersonalToken(row, now, keysOf(keys, row)),
  );
}

/** Revokes one of the user's own tokens (idempotent); another user's is NOT_FOUND. */
export async function revokePersonalToken(
  deps: ServiceDeps,
  caller: Caller,
  { tokenId }: { tokenId: string },
): Promise<PersonalToken> {
  const user = requireSessionUser(caller.actor);
  const token = await findToken(deps.store.db, { userId: user.id }, tokenId);
  if (!token) throw new AppError('NOT_FOUND', 'Token not found.');
  return revokePersonalTokenRow(deps, user, token);
}

export async function revokePersonalTokenRow(
  deps: ServiceDeps,
  user: UserActor,
  token: TokenRow,
): Promise<PersonalToken> {
  const now = deps.clock.now();
  const keys = await findOrgKeys(deps.store.db, token.scope_org_id ? [token.scope_org_id] : []);
  if (token.revoked_at) return presentPersonalToken(token, now, keysOf(keys, token));
  const changes = {
    revoked_at: now.toISOString(),
    revoked_by: user.id,
    revoked_by_name: user.name,
  };
  await updateToken(deps.store.db, token.id, changes);
  deps.invalidate.token(token.id);
  return presentPersonalToken({ ...token, ...changes }, now, keysOf(keys, token));
}
