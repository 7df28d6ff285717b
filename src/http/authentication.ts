import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Actor, RequestMeta, ServiceDeps } from '../services/context.js';
import { csrfMatches, type ResolvedSession, resolveSession } from '../services/sessions.js';

export const sessionCookie = 'orgtoken_session';

/** `required` (the default: fail closed), or `none` for routes anyone may call. */
export type AuthMode = 'required' | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    session: ResolvedSession | null;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the session cookie before the body is even read. A route needs a signed-in caller
 * unless it says `config: { auth: 'none' }`. A state-changing request authenticated by the
 * cookie must echo the session's CSRF token in X-CSRF-Token.
 */
export function registerAuthentication(app: FastifyInstance, deps: ServiceDeps): void {
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request) => {
    // Routes open to anyone never look at the cookie, so they cannot be steered by it.
    if ((request.routeOptions.config.auth ?? 'required') === 'none') return;
    const cookie = request.cookies[sessionCookie];
    const session = cookie ? await resolveSession(deps, cookie) : null;
    if (session && !safeMethods.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (!csrfMatches(session, typeof header === 'string' ? header : undefined)) {
        throw new AppError('CSRF_FAILED');
      }
    }
    request.session = session;
    if (!session) throw new AppError('AUTH_REQUIRED');
  });
}

/** The session of a route that requires authentication. */
export function sessionOf(request: FastifyRequest): ResolvedSession {
  if (!request.session) throw new AppError('AUTH_REQUIRED');
  return request.session;
}

/** The caller of a route that requires authentication. */
export function actorOf(request: FastifyRequest): Actor {
  return sessionOf(request).actor;
}

/** Where the request came from, for the audit trail. */
export function metaOf(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: agent ? agent.slice(0, 512) : null };
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure when the request came over HTTPS. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
): void {
  reply.setCookie(sessionCookie, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(sessionCookie, {
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    path: '/',
  });
}
