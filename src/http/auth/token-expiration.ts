import type { FastifyReply } from 'fastify';
import { expiresSoon } from '../../domain/token-status.js';
import type { CachedToken } from '../../runtime/verification-cache.js';
import type { ServiceDeps } from '../../services/context.js';

/** SonarScanner reads this header to warn that the token it used expires soon. */
const expirationHeader = 'SonarQube-Authentication-Token-Expiration';

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
