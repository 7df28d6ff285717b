import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The Content-Security-Policy of every answer: only this origin's scripts and styles (no
 * inline script: the API docs and the web UI load theirs from files), no plugins, no
 * framing. The API docs page sets element styles at run time, hence 'unsafe-inline' for
 * styles only.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

// Computed once: these never vary per request, and setting them is on every answer's path.
const staticHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const apiHeaders = { ...staticHeaders, 'cache-control': 'no-store' };

/**
 * Security headers on every answer (the set helmet sends, fixed at start instead of
 * assembled per request: verification is cheap, so per-request header work showed in the
 * HTTP benchmark). API answers are never cached: some carry a token's secret, once. HSTS
 * belongs to the TLS-terminating proxy.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  // With the request id, set here rather than in an onSend hook: one callback hook, not two
  // async ones, on every request.
  app.addHook('onRequest', (request, reply, done) => {
    setFrameHeaders(request, reply);
    done();
  });
}

/**
 * The headers every answer has: the security headers for its URL and the request id. Also
 * called for the errors the router raises before any hook runs.
 */
export function setFrameHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(request.url.startsWith('/api/') ? apiHeaders : staticHeaders);
  reply.header('X-Request-Id', request.id);
}
