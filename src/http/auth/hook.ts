import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { TokenVerifier, Verification } from '../../runtime/verifier.js';
import type { ServiceDeps } from '../../services/context.js';
import { checkPassword, resolveSession, userActor } from '../../services/sessions.js';
import { presentUser } from '../../services/users.js';
import { passwordFrom, secretFrom } from './credentials.js';
import { checkCsrf } from './csrf.js';
import type { Principal } from './principal.js';
import { metaOf } from './request-meta.js';
import { sessionCookieOf } from './session-cookie.js';
import { warnIfExpiringSoon } from './token-expiration.js';

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
  checkCsrf(request, session);
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
