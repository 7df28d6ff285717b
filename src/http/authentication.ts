import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, RequestMeta } from '../domain/actors.js';
import { AppError } from '../domain/errors.js';
import { expiresSoon } from '../domain/token-status.js';
import type { CachedToken } from '../runtime/verification-cache.js';
import type { TokenVerifier, Verification } from '../runtime/verifier.js';
import type { ServiceDeps } from '../services/context.js';
import {
  checkPassword,
  csrfMatches,
  type ResolvedSession,
  resolveSession,
  userActor,
} from '../services/sessions.js';
import { presentUser } from '../services/users.js';

export const sessionCookie = 'orgtoken_session';

/** SonarScanner reads this header to warn that the token it used expires soon. */
const expirationHeader = 'SonarQube-Authentication-Token-Expiration';

/** `required` (the default: fail closed), or `none` for routes anyone may call. */
export type AuthMode = 'required' | 'none';

/** Who is calling, and how: a session cookie or a token. */
export interface Principal {
  actor: Actor;
  session: ResolvedSession | null;
  token: CachedToken | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
    /**
     * Also accept `Basic base64(email:password)`, as SonarQube's token API does. Only the
     * SonarQube-compatible token routes set it.
     */
    passwordLogin?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The secret of an `Authorization` header: `Bearer <token>`, or `Basic base64(<token>:)` as
 * SonarQube scanners send it (the token as login, empty password). Null when malformed.
 */
export function secretFrom(header: string): string | null {
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // A password beside the token is refused rather than ignored: it is not what it seems.
  if (colon < 0 || colon !== decoded.length - 1) return null;
  return decoded.slice(0, colon) || null;
}

/** Email and password from `Basic base64(email:password)` with a non-empty password, or null. */
export function passwordFrom(header: string): { email: string; password: string } | null {
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'basic') return null;
  const value = header.slice(space + 1).trim();
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Where the request came from, for the audit trail and IP allowlists. */
export function metaOf(request: FastifyRequest): RequestMeta {
  return { ip: request.ip ?? null, userAgent: userAgentOf(request.headers['user-agent']) };
}

const userAgentMaxLength = 512;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The User-Agent as its sender wrote it, for the audit log and a token's last use. Node
 * decodes header bytes as latin1, so a UTF-8 agent (`Zürich`) arrives garbled (`ZÃ¼rich`):
 * when its bytes are valid UTF-8 they are read as such, otherwise (a real latin1 agent) it
 * is kept as received. Control and invisible formatting characters are dropped, as names
 * refuse them, so that what the log shows is what was sent; the cut never splits a pair.
 */
function userAgentOf(raw: string | undefined): string | null {
  if (!raw) return null;
  let text = raw;
  // Bytes above 0x7f, and only bytes (a character above U+00FF cannot come from latin1).
  if (/[\u0080-\u00ff]/.test(raw) && !/[\u0100-\uffff]/.test(raw)) {
    try {
      text = utf8.decode(Buffer.from(raw, 'latin1'));
    } catch {
      // Not UTF-8: latin1 is then the best reading there is.
    }
  }
  text = text.replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '');
  if (text.length > userAgentMaxLength) {
    const last = text.charCodeAt(userAgentMaxLength - 1);
    const end = last >= 0xd800 && last <= 0xdbff ? userAgentMaxLength - 1 : userAgentMaxLength;
    text = text.slice(0, end);
  }
  return text === '' ? null : text;
}

/**
 * The principal of a request that carries a token. A cache hit answers synchronously, so a
 * request authenticated by a known token waits on no promise.
 */
function authenticateToken(
  deps: ServiceDeps,
  verifier: TokenVerifier,
  request: FastifyRequest,
  reply: FastifyReply,
  header: string,
): Principal | Promise<Principal> {
  const secret = secretFrom(header);
  // A malformed header goes through the verifier too (as an empty secret), so that it is
  // refused and counted like any other invalid token.
  const result = verifier.verify(secret ?? '', metaOf(request));
  return result instanceof Promise
    ? result.then((settled) => tokenPrincipal(deps, reply, secret, settled))
    : tokenPrincipal(deps, reply, secret, result);
}

function tokenPrincipal(
  deps: ServiceDeps,
  reply: FastifyReply,
  secret: string | null,
  result: Verification,
): Principal {
  if (!result.ok) {
    if (result.code === 'RATE_LIMITED' || secret) {
      throw new AppError(result.code, result.message, {
        retryAfterSeconds: result.retryAfterSeconds,
      });
    }
    throw new AppError('TOKEN_INVALID', 'The Authorization header is not a Bearer or Basic token.');
  }
  const token = result.token;
  warnIfExpiringSoon(deps, reply, token);
  return { actor: token.actor, session: null, token };
}

/**
 * Tells the client, as SonarQube does, when a valid token expires within the warning window:
 * every request a token authenticates, and SonarScanner's token check.
 */
export function warnIfExpiringSoon(
  deps: ServiceDeps,
  reply: FastifyReply,
  token: CachedToken,
): void {
  if (expiresSoon(token.expiresAtMs, deps.clock.nowMs())) {
    reply.header(expirationHeader, token.expiresAt);
  }
}

/** The principal of a request without a token: a password where the route allows one, or the session cookie. */
async function authenticateOtherwise(
  deps: ServiceDeps,
  request: FastifyRequest,
  login: { email: string; password: string } | null,
): Promise<Principal> {
  if (login) {
    const user = presentUser(await checkPassword(deps, login, metaOf(request)));
    return { actor: userActor(user, 'password'), session: null, token: null };
  }
  const cookie = sessionCookieOf(request);
  const session = cookie ? await resolveSession(deps, cookie) : null;
  if (!session) throw new AppError('AUTH_REQUIRED');
  if (!safeMethods.has(request.method)) {
    const csrf = request.headers['x-csrf-token'];
    if (!csrfMatches(session, typeof csrf === 'string' ? csrf : undefined)) {
      throw new AppError('CSRF_FAILED');
    }
  }
  return { actor: session.actor, session, token: null };
}

/**
 * Authenticates before the body is even read: a token in `Authorization`, else the session
 * cookie. A route needs an authenticated caller unless it says `config: { auth: 'none' }`.
 * A state-changing request authenticated by the cookie must echo the session's CSRF token.
 */
export function registerAuthentication(
  app: FastifyInstance,
  deps: ServiceDeps,
  verifier: TokenVerifier,
): void {
  app.decorateRequest('principal', null);
  // A callback hook: a request with a cached token is authenticated without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    const config = request.routeOptions.config;
    // Routes open to anyone never look at credentials, so they cannot be steered by them.
    if ((config.auth ?? 'required') === 'none') {
      done();
      return;
    }
    const header = request.headers.authorization;
    const login = header !== undefined && config.passwordLogin ? passwordFrom(header) : null;
    let principal: Principal | Promise<Principal>;
    try {
      principal =
        header !== undefined && !login
          ? authenticateToken(deps, verifier, request, reply, header)
          : authenticateOtherwise(deps, request, login);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (principal instanceof Promise) {
      principal.then((settled) => {
        request.principal = settled;
        done();
      }, done);
      return;
    }
    request.principal = principal;
    done();
  });
}

/** The caller of a route that requires authentication. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('AUTH_REQUIRED');
  return request.principal;
}

export function actorOf(request: FastifyRequest): Actor {
  return principalOf(request).actor;
}

/** The browser session of a route that only makes sense with one. */
export function sessionOf(request: FastifyRequest): ResolvedSession {
  const { session } = principalOf(request);
  if (!session) throw new AppError('FORBIDDEN', 'This needs a signed-in session, not a token.');
  return session;
}

/** The session cookie's value, parsed from the request only where it is needed. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookie(header)[sessionCookie] : undefined;
}

/**
 * Writes the session cookie: HttpOnly, SameSite=Lax, for the whole site, Secure when the
 * request came over HTTPS; `lifetime` says when the browser drops it.
 */
function writeSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  lifetime: { maxAge: number } | { expires: Date },
): void {
  reply.header(
    'set-cookie',
    stringifySetCookie({
      name: sessionCookie,
      value,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: request.protocol === 'https',
      ...lifetime,
    }),
  );
}

/** Sets the session cookie, kept for `maxAgeSeconds`. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
): void {
  writeSessionCookie(request, reply, value, { maxAge: maxAgeSeconds });
}

/** Ends the session cookie in the browser: empty, expired at the epoch. */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  writeSessionCookie(request, reply, '', { expires: new Date(0) });
}
