/**
 * The conditions of a trust policy (SPEC §12, docs/security.md "Secretless CI"): each names a
 * claim of the CI's JWT and the value it must have, exactly or as a `*` glob. Matching is
 * case-sensitive and linear in the claim's length, whatever the pattern, so a policy cannot be
 * written (or a token sent) that makes an exchange slow.
 */

/** A policy's conditions: claim name → exact string or `*` glob. */
export type ClaimConditions = Record<string, string>;

export type ConditionFailure = 'missing' | 'not a string' | 'mismatch';

/** One condition's outcome. It never carries the token's value, only the policy's pattern. */
export interface ConditionResult {
  claim: string;
  expected: string;
  ok: boolean;
  reason?: ConditionFailure;
}

export const maxConditions = 20;
export const maxPatternLength = 500;

const claimNamePattern = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

// Printable means no control or format character (bidirectional overrides and zero-width
// characters would make a pattern read differently from what it matches), no lone surrogate,
// no private-use character and no line or paragraph separator. Spaces and other scripts are
// printable: a git ref or an environment name may hold them.
const unprintable = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

// Claims that verification itself checks (iss, aud, exp, nbf, iat) or that differ in every
// token (jti): as a condition they would be redundant or match a single token at most.
const verificationClaims = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti']);

// Numeric ids that name an owner, a project or a person and never change or get reused when
// a name does (GitHub Actions and Forgejo, GitLab CI, Buildkite). Per-run ids (run_id,
// pipeline_id of GitLab, job_id) are not here: they identify one run, not who runs.
const immutableIdClaims = new Set([
  'repository_owner_id',
  'repository_id',
  'actor_id',
  'enterprise_id',
  'namespace_id',
  'project_id',
  'user_id',
  'owner_id',
  'organization_id',
]);

// A name claim → the id claim that says the same without following renames: a renamed or
// deleted owner's name can be registered again by someone else.
const idForNameClaim: Record<string, string> = {
  repository_owner: 'repository_owner_id',
  repository: 'repository_id',
  actor: 'actor_id',
  enterprise: 'enterprise_id',
  namespace_path: 'namespace_id',
  project_path: 'project_id',
  user_login: 'user_id',
};

/** True when `name` is a claim holding an immutable owner, project or user id (UI advice). */
export function isImmutableIdClaim(name: string): boolean {
  return immutableIdClaims.has(name);
}

/** The immutable id claim to prefer over the name claim `name`, or null when there is none. */
export function immutableIdAlternative(name: string): string | null {
  return Object.hasOwn(idForNameClaim, name) ? (idForNameClaim[name] ?? null) : null;
}

/** True when `pattern` is made of `*` only: it matches any value, so it only asks for the claim. */
export function isWildcardOnly(pattern: string): boolean {
  return /^\*+$/.test(pattern);
}

/**
 * Why `conditions` cannot be saved, or null when they can: 1–20 conditions, claim names as
 * `claimNamePattern` says and not a claim verification checks, patterns of 1–500 printable
 * characters. A pattern of `*` only (the claim must be present, any value) is accepted only
 * next to a condition that constrains its value: a policy whose every condition is `*` would
 * trust every token of its issuer, which for GitHub Actions or GitLab.com means every
 * repository of every user.
 */
export function checkConditions(conditions: unknown): string | null {
  if (typeof conditions !== 'object' || conditions === null || Array.isArray(conditions)) {
    return 'claims must be an object of claim names and patterns';
  }
  const entries = Object.entries(conditions);
  if (entries.length === 0) return 'claims must hold at least one condition';
  if (entries.length > maxConditions) {
    return `claims may hold at most ${maxConditions} conditions (got ${entries.length})`;
  }
  for (const [claim, pattern] of entries) {
    const problem = conditionProblem(claim, pattern);
    if (problem !== null) return problem;
  }
  if (entries.every(([, pattern]) => isWildcardOnly(pattern as string))) {
    return 'claims: at least one condition must constrain its value (a pattern other than *); with only * every token of the issuer would be trusted';
  }
  return null;
}

function conditionProblem(claim: string, pattern: unknown): string | null {
  if (!claimNamePattern.test(claim)) {
    return `claim name "${printableName(claim)}" must start with a letter or _ and hold at most 64 letters, digits, _ . : or -`;
  }
  if (verificationClaims.has(claim)) {
    return `claim ${claim} cannot be a condition: ${
      claim === 'iss' || claim === 'aud'
        ? 'the policy names its issuer and audience'
        : 'it is checked by verification or differs in every token'
    }`;
  }
  if (typeof pattern !== 'string') return `claims.${claim} must be a string`;
  if (pattern.length === 0 || pattern.length > maxPatternLength) {
    return `claims.${claim} must hold 1 to ${maxPatternLength} characters`;
  }
  if (unprintable.test(pattern)) {
    return `claims.${claim} must hold printable characters only (no control, format or line-separator characters)`;
  }
  return null;
}

// A refused claim name is quoted back only as far as it is safe to show.
function printableName(claim: string): string {
  const shown = claim.slice(0, 64).replace(/[^\x20-\x7e]/g, '?');
  return claim.length > 64 ? `${shown}…` : shown;
}

/**
 * Each condition's outcome against `claims` (a verified JWT's payload), in the conditions'
 * order. A claim that is a string is compared as it is; a number or a boolean by its JSON text
 * (so `"true"` matches GitLab's `ref_protected: "true"` and also a boolean `true`, and `17`
 * matches GitLab's numeric `runner_id`); null, an object or an array is `not a string`. Only
 * the token's own properties count, never one inherited from Object.prototype.
 */
export function evaluateConditions(
  conditions: ClaimConditions,
  claims: Record<string, unknown>,
): ConditionResult[] {
  return Object.entries(conditions).map(([claim, expected]) => {
    if (!Object.hasOwn(claims, claim) || claims[claim] === undefined) {
      return { claim, expected, ok: false, reason: 'missing' };
    }
    const value = claimText(claims[claim]);
    if (value === null) return { claim, expected, ok: false, reason: 'not a string' };
    return globMatches(expected, value)
      ? { claim, expected, ok: true }
      : { claim, expected, ok: false, reason: 'mismatch' };
  });
}

/** True when every condition passed. */
export function allConditionsPass(results: ConditionResult[]): boolean {
  return results.every((result) => result.ok);
}

function claimText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  // JSON numbers are finite; String() gives the same text as JSON.stringify for them.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * True when `value` matches `pattern`, where `*` matches any run of characters (`/` included)
 * and every other character itself, case-sensitively. Greedy, with two pointers: the text
 * before the first `*` must start the value and the text after the last `*` must end it; each
 * piece between is then found leftmost from where the previous one ended, which is optimal
 * because a `*` accepts whatever lies between. Each search (Knuth–Morris–Pratt) never revisits
 * the value, so the whole match is O(value + pattern) — no backtracking, no regular expression.
 */
export function globMatches(pattern: string, value: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === value;
  const head = pieces[0] ?? '';
  const tail = pieces[pieces.length - 1] ?? '';
  if (value.length < head.length + tail.length) return false;
  if (!value.startsWith(head) || !value.endsWith(tail)) return false;
  const end = value.length - tail.length;
  let at = head.length;
  for (let index = 1; index < pieces.length - 1; index++) {
    const piece = pieces[index] ?? '';
    if (piece === '') continue;
    const found = findFrom(value, piece, at, end);
    if (found === -1) return false;
    at = found + piece.length;
  }
  return true;
}

/** The first index ≥ `from` where `needle` lies wholly before `end` in `text`, or -1. */
function findFrom(text: string, needle: string, from: number, end: number): number {
  const failure = failureTable(needle);
  let matched = 0;
  for (let position = from; position < end; position++) {
    const char = text.charCodeAt(position);
    while (matched > 0 && needle.charCodeAt(matched) !== char) matched = failure[matched - 1] ?? 0;
    if (needle.charCodeAt(matched) === char) matched += 1;
    if (matched === needle.length) return position - needle.length + 1;
  }
  return -1;
}

// failure[i]: the length of the longest proper prefix of needle[0..i] that is also its suffix.
function failureTable(needle: string): number[] {
  const failure = new Array<number>(needle.length).fill(0);
  let length = 0;
  for (let index = 1; index < needle.length; index++) {
    const char = needle.charCodeAt(index);
    while (length > 0 && needle.charCodeAt(length) !== char) length = failure[length - 1] ?? 0;
    if (needle.charCodeAt(length) === char) length += 1;
    failure[index] = length;
  }
  return failure;
}
