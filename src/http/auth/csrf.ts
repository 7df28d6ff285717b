import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { csrfMatches, type ResolvedSession } from '../../services/sessions.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request authenticated by the session cookie must echo the session's CSRF
 * token in `X-CSRF-Token`: a browser attaches the cookie to a cross-site request on its own,
 * but another site cannot read the token to send it.
 */
export function checkCsrf(request: FastifyRequest, session: ResolvedSession): void {
  if (safeMethods.has(request.method)) return;
  const csrf = request.headers['x-csrf-token'];
  if (!csrfMatches(session, typeof csrf === 'string' ? csrf : undefined)) {
    throw new AppError('CSRF_FAILED');
  }
}
