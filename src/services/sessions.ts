import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { User } from '../contract/users.js';
import type { RequestMeta, UserActor } from '../domain/actors.js';
import { limitedAddress } from '../domain/cidr.js';
import { AppError } from '../domain/errors.js';
import {
  deleteExpiredSessions,
  deleteSession,
  findSessionWithUser,
  insertSession,
  touchSession,
} from '../store/sessions.js';
import { findUserByEmail, type UserRow } from '../store/users.js';
import type { ServiceDeps } from './context.js';
import { normalizeEmail, presentUser } from './users.js';

/** A signed-in session as the HTTP layer needs it. */
export interface ResolvedSession {
  actor: UserActor;
  user: User;
  sessionId: string;
  csrfToken: string;
}

// last_seen_at is refreshed at most this often, so browsing does not write on every request.
const touchIntervalMs = 60_000;

function digest(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('hex');
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

function addSeconds(date: Date, seconds: number): string {
  return new Date(date.getTime() + seconds * 1000).toISOString();
}

/**
 * An account's key in the password limit: the email's SHA-256, so that no email is kept in
 * the limiter's store (Redis, with REDIS_URL) as it is.
 */
function accountKey(normalizedEmail: string): string {
  return `account:${createHash('sha256').update(normalizedEmail).digest('hex')}`;
}

function tooManyPasswords(retryAfterSeconds: number): AppError {
  return new AppError('RATE_LIMITED', 'Too many wrong passwords; try again later.', {
    retryAfterSeconds,
  });
}

/**
 * The active user with this email and password, or INVALID_CREDENTIALS. An unknown email
 * costs the same scrypt work as a wrong password, and a deactivated user gets the same
 * answer as a wrong password.
 */
export async function checkPassword(
  deps: ServiceDeps,
  input: { email: string; password: string },
  meta: RequestMeta,
): Promise<UserRow> {
  // Guesses are limited per account (whatever the address) and per address (whatever the
  // account), and checked before any work: a blocked guess costs no scrypt. The check reads
  // the count itself (Redis's, with REDIS_URL), never a local guess at it: passwords can be
  // guessed, so they get the strict limit.
  const limiter = deps.limits.passwordFailures;
  const email = normalizeEmail(input.email);
  const keys = [accountKey(email), `ip:${limitedAddress(meta.ip)}`] as const;
  const nowMs = deps.clock.nowMs();
  const wait = Math.max(...(await Promise.all(keys.map((key) => limiter.retryAfter(key, nowMs)))));
  if (wait > 0) throw tooManyPasswords(wait);
  // Counted before the check, so that guesses sent in parallel cannot all slip in while the
  // first ones are still hashing. Each count is atomic and its answer decides: of guesses
  // that passed the check together, those counted past the limit are refused and taken
  // back, so a blocked attempt counts nothing. A success takes its count back too.
  const counted = Math.max(...(await Promise.all(keys.map((key) => limiter.fail(key, nowMs)))));
  if (counted > 0) {
    await Promise.all(keys.map((key) => limiter.undo(key)));
    throw tooManyPasswords(counted);
  }
  const user = await findUserByEmail(deps.store.db, email);
  const valid = user
    ? await deps.passwords.verify(user.password_hash, input.password)
    : await deps.passwords.verifyDecoy(input.password);
  if (!user || !valid || user.active !== 1) throw new AppError('INVALID_CREDENTIALS');
  await Promise.all([limiter.reset(keys[0]), limiter.undo(keys[1])]);
  return user;
}

/** The actor a signed-in user acts as. */
export function userActor(user: User, via: UserActor['via']): UserActor {
  return {
    type: 'user',
    id: user.id,
    email: user.email,
    name: user.name,
    instanceAdmin: user.instanceAdmin,
    via,
  };
}

/**
 * Checks an email and password and opens a session. An unknown email costs the same scrypt
 * work as a wrong password, and a deactivated user gets the same answer as a wrong password.
 */
export async function signIn(
  deps: ServiceDeps,
  input: { email: string; password: string },
  meta: RequestMeta,
): Promise<{ cookieValue: string; csrfToken: string; user: User }> {
  const user = await checkPassword(deps, input, meta);
  const now = deps.clock.now();
  const cookieValue = randomSecret();
  const csrfToken = randomSecret();
  await insertSession(deps.store.db, {
    id: digest(cookieValue),
    user_id: user.id,
    csrf_token: csrfToken,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: addSeconds(now, deps.sessions.absoluteSeconds),
    ip: meta.ip,
    user_agent: meta.userAgent,
  });
  return { cookieValue, csrfToken, user: presentUser(user) };
}

/**
 * The session behind a cookie value, or null when it does not exist, has expired (idle or
 * absolute), or belongs to a deactivated user.
 */
export async function resolveSession(
  deps: ServiceDeps,
  cookieValue: string,
): Promise<ResolvedSession | null> {
  const id = digest(cookieValue);
  const found = await findSessionWithUser(deps.store.db, id);
  if (found?.user.active !== 1) return null;
  const now = deps.clock.now();
  const idleDeadline = Date.parse(found.session.last_seen_at) + deps.sessions.idleSeconds * 1000;
  if (now.getTime() >= Date.parse(found.session.expires_at) || now.getTime() >= idleDeadline) {
    await deleteSession(deps.store.db, id);
    return null;
  }
  if (now.getTime() - Date.parse(found.session.last_seen_at) >= touchIntervalMs) {
    await touchSession(deps.store.db, id, now.toISOString());
  }
  const user = presentUser(found.user);
  return {
    actor: userActor(user, 'session'),
    user,
    sessionId: id,
    csrfToken: found.session.csrf_token,
  };
}

/** Constant-time comparison of a presented CSRF header with the session's token. */
export function csrfMatches(session: ResolvedSession, header: string | undefined): boolean {
  if (!header) return false;
  const expected = createHash('sha256').update(session.csrfToken).digest();
  const presented = createHash('sha256').update(header).digest();
  return timingSafeEqual(expected, presented);
}

/** Ends one session. */
export async function signOut(deps: ServiceDeps, session: ResolvedSession): Promise<void> {
  await deleteSession(deps.store.db, session.sessionId);
}

/** Deletes sessions that can no longer be used; safe to run on every instance at once. */
export async function purgeExpiredSessions(deps: ServiceDeps): Promise<void> {
  const now = deps.clock.now();
  await deleteExpiredSessions(
    deps.store.db,
    now.toISOString(),
    addSeconds(now, -deps.sessions.idleSeconds),
  );
}
