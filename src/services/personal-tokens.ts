import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import { generateToken } from '../domain/token-format.js';
import { checkExpiry, defaultTokenPolicy } from '../domain/token-policy.js';
import { expiringWindowMs, type TokenStatus, tokenStatus } from '../domain/token-status.js';
import { findToken, insertToken, listTokens, type TokenRow, updateToken } from '../store/tokens.js';
import { requireSessionUser } from './access.js';
import type { Actor, ServiceDeps, UserActor } from './context.js';
import { newTokenRow } from './token-rows.js';

/** A personal access token as the API shows it: never its secret or digest. */
export interface PersonalToken {
  id: string;
  name: string;
  hint: string;
  status: TokenStatus;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  lastUsedUserAgent: string | null;
  revokedAt: string | null;
}

export function presentPersonalToken(row: TokenRow, now: Date): PersonalToken {
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    status: tokenStatus({ revokedAt: row.revoked_at, expiresAt: row.expires_at }, now),
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
 * the user's current rights; the secret is in the answer only.
 */
export async function createPersonalToken(
  deps: ServiceDeps,
  actor: Actor,
  input: { name: string; expiresAt: string | null },
): Promise<PersonalToken & { token: string }> {
  const user = requireSessionUser(actor);
  return issuePersonalToken(deps, user, input);
}

/** Issues a personal access token for `user`. */
export async function issuePersonalToken(
  deps: ServiceDeps,
  user: UserActor,
  input: { name: string; expiresAt: string | null },
): Promise<PersonalToken & { token: string }> {
  const now = deps.clock.now();
  const expiresAt = checkExpiry(input.expiresAt, defaultTokenPolicy, now, '/body/expiresAt');
  const secret = generateToken('personal');
  const row = newTokenRow({
    id: newId(now.getTime()),
    kind: 'personal',
    orgId: null,
    userId: user.id,
    name: input.name.trim(),
    permissions: '[]',
    projects: '{"mode":"all"}',
    allowedCidrs: '[]',
    secret,
    expiresAt,
    createdAt: now.toISOString(),
    creator: user,
  });
  await insertToken(deps.store.db, row);
  return { ...presentPersonalToken(row, now), token: secret };
}

/** The user's own personal access tokens, newest first. */
export async function pagePersonalTokens(
  deps: ServiceDeps,
  actor: Actor,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<PersonalToken>> {
  const user = requireSessionUser(actor);
  return listPersonalTokens(deps, user, page);
}

export async function listPersonalTokens(
  deps: ServiceDeps,
  user: UserActor,
  page: { limit: number; cursor?: string | undefined; status?: TokenStatus | undefined },
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
  return toPage(
    rows,
    page.limit,
    (row) => [row.id],
    (row) => presentPersonalToken(row, now),
  );
}

/** Revokes one of the user's own tokens (idempotent); another user's is NOT_FOUND. */
export async function revokePersonalToken(
  deps: ServiceDeps,
  actor: Actor,
  tokenId: string,
): Promise<PersonalToken> {
  const user = requireSessionUser(actor);
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
  if (token.revoked_at) return presentPersonalToken(token, now);
  const changes = {
    revoked_at: now.toISOString(),
    revoked_by: user.id,
    revoked_by_name: user.name,
  };
  await updateToken(deps.store.db, token.id, changes);
  deps.invalidate.token(token.id);
  return presentPersonalToken({ ...token, ...changes }, now);
}
