import type { FastifyRequest } from 'fastify';
import type { Actor, Caller } from '../../domain/actors.js';
import { AppError } from '../../domain/errors.js';
import type { CachedToken } from '../../runtime/verification-cache.js';
import type { ResolvedSession } from '../../services/sessions.js';
import { metaOf } from './request-meta.js';

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

/** Who calls and from where, as every service takes it. */
export function callerOf(request: FastifyRequest): Caller {
  return { actor: actorOf(request), meta: metaOf(request) };
}
