import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The Content-Security-Policy of pages (the web UI, its files, the API docs): only this
 * origin's scripts and styles (no inline script: both load theirs from files), no plugins,
 * no framing. The API docs page sets element styles at run time, hence 'unsafe-inline' for
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

/** The policy of data answers (JSON, text, metrics): nothing loads, nothing frames them. */
export const dataContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

// Computed once: these never vary per request, and setting them is on every answer's path.

/** What helmet sends, for answers a browser may render as a document. */
const pageHeaders = {
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

/**
 * The set OWASP's REST Security Cheat Sheet gives API answers: no caching (some carry a
 * token's secret, once), a policy under which nothing runs, no framing, no sniffing; plus
 * no embedding by other sites. The document-only headers of `pageHeaders` (opener policy,
 * referrer policy, DNS prefetch, download options, the XSS auditor) do nothing for JSON,
 * and every header costs the server and each client on every call.
 */
const dataHeaders = {
  'cache-control': 'no-store',
  'content-security-policy': dataContentSecurityPolicy,
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

// Data URLs: the API (but its docs pages), the health endpoints and the metrics.
const dataUrl = /^\/(?:api(?:$|\?|\/(?!docs(?:[/?]|$)))|(?:healthz|readyz|metrics)(?:$|\?))/;

/** Whether `url` answers with data (JSON, text, metrics) rather than a page or its files. */
export function isDataUrl(url: string): boolean {
  return dataUrl.test(url);
}

/**
 * Security headers on every answer, chosen by URL: the data set for the API, health and
 * metrics, the page set for everything else (the web UI, its files, the API docs). HSTS
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
  reply.headers(isDataUrl(request.url) ? dataHeaders : pageHeaders);
  reply.header('X-Request-Id', request.id);
}
