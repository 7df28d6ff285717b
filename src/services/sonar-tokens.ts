import type { SonarTokenRequest, UserTokenList } from '../contract/sonar.js';
import type { NewPersonalToken } from '../contract/tokens.js';
import type { Caller } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import { findLivePersonalToken, listTokens } from '../store/tokens.js';
import { requireSessionUser } from './access.js';
import type { ServiceDeps } from './context.js';
import { issuePersonalToken, revokePersonalTokenRow } from './personal-tokens.js';
import { normalizeEmail } from './users.js';

// SonarQube's user token API, for scripts written against SonarQube. It speaks its own
// shapes (login, expirationDate as a day) over orgtoken's personal access tokens.

/** SonarQube's `expirationDate` (YYYY-MM-DD): the token lasts to the end of that UTC day. */
function endOfDay(date: string | undefined): string | null {
  if (date === undefined || date === '') return null;
  // The round trip refuses dates that do not exist (2026-02-31 would roll over to March).
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : null;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
    throw invalid('expirationDate', 'expirationDate must be a date as YYYY-MM-DD');
  }
  return `${date}T23:59:59.999Z`;
}

/** SonarQube writes offsets without a colon: 2026-11-29T04:06:46+0000. */
const sonarTime = (iso: string | null) => (iso ? `${iso.slice(0, 19)}+0000` : null);

/** The narrowing of a SonarQube token type; what it needs and ignores is refused, not guessed. */
function narrowingFor(
  input: SonarTokenRequest,
): Pick<NewPersonalToken, 'permissions' | 'org' | 'projects'> {
  const type = input.type ?? 'USER_TOKEN';
  if (type !== 'PROJECT_ANALYSIS_TOKEN') {
    for (const name of ['projectKey', 'organization'] as const) {
      if (input[name] !== undefined) {
        throw invalid(name, `${name} is only for PROJECT_ANALYSIS_TOKEN`);
      }
    }
  }
  switch (type) {
    case 'USER_TOKEN':
      return {};
    case 'GLOBAL_ANALYSIS_TOKEN':
      return { permissions: ['analysis:execute'] };
    case 'PROJECT_ANALYSIS_TOKEN': {
      for (const name of ['projectKey', 'organization'] as const) {
        if (input[name] === undefined) {
          throw invalid(name, `${name} is required for PROJECT_ANALYSIS_TOKEN`);
        }
      }
      return {
        permissions: ['analysis:execute'],
        org: input.organization,
        projects: { mode: 'selected', keys: [input.projectKey ?? ''] },
      };
    }
  }
}

/**
 * POST /api/user_tokens/generate: a personal access token for the caller, narrowed as its
 * SonarQube type says (a project analysis token can upload to its one project only).
 */
export async function generateUserToken(
  deps: ServiceDeps,
  caller: Caller,
  input: SonarTokenRequest,
) {
  const user = requireSessionUser(caller.actor);
  if (input.login !== undefined && normalizeEmail(input.login) !== user.email) {
    throw invalid('login', 'login must be your own: tokens are made for the caller only');
  }
  const token = await issuePersonalToken(
    deps,
    user,
    { name: input.name, expiresAt: endOfDay(input.expirationDate), ...narrowingFor(input) },
    { expiresAt: 'expirationDate', projects: 'projectKey' },
  );
  return {
    login: user.email,
    name: token.name,
    createdAt: sonarTime(token.createdAt),
    expirationDate: sonarTime(token.expiresAt),
    token: token.token,
    type: input.type ?? 'USER_TOKEN',
    ...(input.type === 'PROJECT_ANALYSIS_TOKEN'
      ? { projectKey: input.projectKey, organization: input.organization }
      : {}),
  };
}

/** POST /api/user_tokens/revoke: revokes the caller's live token with this name. */
export async function revokeUserToken(deps: ServiceDeps, caller: Caller, name: string) {
  const user = requireSessionUser(caller.actor);
  const token = await findLivePersonalToken(deps.store.db, user.id, name);
  if (!token) throw new AppError('NOT_FOUND', 'No token with this name.');
  await revokePersonalTokenRow(deps, user, token);
}

/** GET /api/user_tokens/search: the caller's live tokens. */
export async function searchUserTokens(deps: ServiceDeps, caller: Caller): Promise<UserTokenList> {
  const user = requireSessionUser(caller.actor);
  const now = deps.clock.now();
  const rows = await listTokens(
    deps.store.db,
    { owner: { userId: user.id }, now: now.toISOString(), soon: now.toISOString() },
    { limit: 1000 },
  );
  return {
    login: user.email,
    userTokens: rows
      .filter((row) => row.revoked_at === null)
      .map((row) => ({
        name: row.name,
        createdAt: sonarTime(row.created_at),
        lastConnectionDate: sonarTime(row.last_used_at),
        expirationDate: sonarTime(row.expires_at),
        isExpired: row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime(),
      })),
  };
}
