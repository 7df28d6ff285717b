import type { OrgToken } from '../../contract/tokens.js';
import { formatFields, formatScope, formatTable, formatTime } from '../output.js';

/** One line per token: what an admin scans for (status, scope, expiry, last use). */
export function tokenTable(tokens: OrgToken[]): string {
  return formatTable(
    ['ID', 'NAME', 'STATUS', 'PERMISSIONS', 'PROJECTS', 'EXPIRES', 'LAST USED'],
    tokens.map((token) => [
      token.id,
      token.name,
      token.stale ? `${token.status}, stale` : token.status,
      token.permissions.join(','),
      formatScope(token.projects),
      formatTime(token.expiresAt),
      formatTime(token.lastUsedAt),
    ]),
  );
}

/** Every attribute of one token, one per line. The secret is never part of it. */
export function tokenDetails(token: OrgToken): string {
  const usesIn30Days = token.dailyUsage.reduce((sum, uses) => sum + uses, 0);
  return formatFields([
    ['id', token.id],
    ['name', token.name],
    ['description', token.description || '-'],
    ['hint', `${token.hint}…`],
    ['status', token.stale ? `${token.status}, stale (unused for the stale period)` : token.status],
    ['permissions', token.permissions.join(', ')],
    ['projects', formatScope(token.projects)],
    ['allowed CIDRs', token.allowedCidrs.join(', ') || 'any address'],
    ['expires', formatTime(token.expiresAt)],
    ['created', `${formatTime(token.createdAt)}${by(token.createdBy)}`],
    ['last used', lastUse(token)],
    ['uses in 30 days', String(usesIn30Days)],
    ['rotated', formatTime(token.rotatedAt)],
    ['revoked', revocation(token)],
  ]);
}

function lastUse(token: OrgToken): string {
  if (token.lastUsedAt === null) return 'never';
  const from = [token.lastUsedIp, token.lastUsedUserAgent].filter(Boolean).join(', ');
  return from ? `${formatTime(token.lastUsedAt)} (${from})` : formatTime(token.lastUsedAt);
}

function revocation(token: OrgToken): string {
  if (token.revokedAt === null) return 'no';
  return `${formatTime(token.revokedAt)}${by(token.revokedBy)}`;
}

function by(person: OrgToken['createdBy']): string {
  return person ? ` by ${person.name}` : '';
}
