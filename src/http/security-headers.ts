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

/** The policy of data answers (JSON, text, metrics, errors): nothing loads, nothing frames them. */
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

// Page URLs, by the raw request URL: the web UI's files and the API docs. Every other answer
// gets the data set, so that no way of writing a URL (percent-encoding, say: the router
// decodes `/%61pi/...` to an API route) can take the data set off an answer that carries a
// secret. The web UI's page, served for unknown addresses, switches to the page set itself.
const pageUrl = /^\/(?:assets\/|api\/docs(?:[/?]|$))/;

/** Whether `url` is one of the web UI's files or the API docs: answers with the page set. */
export function isPageUrl(url: string): boolean {
  return pageUrl.test(url);
}

/**
 * Security headers on every answer: the page set for the web UI's files and the API docs,
 * the data set for everything else (the API, health, metrics, errors). HSTS belongs to the
 * TLS-terminating proxy.
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
  reply.headers(isPageUrl(request.url) ? pageHeaders : dataHeaders);
  reply.header('X-Request-Id', request.id);
}

/** Turns an answer that started as data into a page (the web UI's page): the page set. */
export function setPageHeaders(reply: FastifyReply): void {
  reply.removeHeader('cache-control');
  reply.headers(pageHeaders);
}
