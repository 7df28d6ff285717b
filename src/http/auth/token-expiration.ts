import type { FastifyReply } from 'fastify';
import { expiresSoon } from '../../domain/token-status.js';
import type { CachedToken } from '../../runtime/verification-cache.js';
import type { ServiceDeps } from '../../services/context.js';

/** SonarScanner reads this header to warn that the token it used expires soon. */
const expirationHeader = 'SonarQube-Authentication-Token-Expiration';

/**
 * Tells the client, as SonarQube does, when a valid token expires within the warning window:
 * every request a token authenticates, and SonarScanner's token check. Not for ephemeral
 * tokens: their expiry is minutes away by design, and a new one is minted per job.
 */
export function warnIfExpiringSoon(
  deps: ServiceDeps,
  reply: FastifyReply,
  token: CachedToken,
): void {
  // An ephemeral (ote_) token lives minutes and is never rotated: it is not warned about.
  if (token.kind !== 'ephemeral' && expiresSoon(token.expiresAtMs, deps.clock.nowMs())) {
    reply.header(expirationHeader, token.expiresAt);
  }
}
