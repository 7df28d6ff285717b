import type { FastifyInstance, RouteOptions } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { AppError, type ErrorCode, errorCatalogue } from '../domain/errors.js';
import { errorBody } from './errors.js';

// Some answers follow from a route's shape rather than from what it does: any route can be
// asked with a malformed URL (400), meet a broken store (503) or a fault (500); a route that
// can be sent a body (any method but GET and HEAD) can be sent one over the limit (413); a route that needs a caller can meet
// credentials that are missing, wrong, blocked or refused by plan (401, 403, 429). They are
// declared here, by that rule, so that each route declares only what it does itself, and
// the OpenAPI document shows both.
const everyRoute: ErrorCode[] = ['VALIDATION_FAILED', 'STORE_UNAVAILABLE', 'INTERNAL'];
const withBody: ErrorCode[] = ['PAYLOAD_TOO_LARGE'];
const withCaller: ErrorCode[] = [
  'AUTH_REQUIRED',
  'TOKEN_INVALID',
  'CSRF_FAILED',
  'PLAN_REQUIRED',
  'IP_NOT_ALLOWED',
  'RATE_LIMITED',
];

function declare(response: Record<string, unknown>, codes: ErrorCode[]): void {
  for (const code of codes) {
    const status = String(errorCatalogue[code].status);
    if (!(status in response)) response[status] = ErrorBody;
  }
}

/** Adds the statuses a route's shape implies to every route that declares its answers. */
export function declareImpliedStatuses(route: RouteOptions): void {
  const response = route.schema?.response as Record<string, unknown> | undefined;
  if (!response) return;
  declare(response, everyRoute);
  // Fastify reads a body on every method but GET and HEAD, declared or not.
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.some((method) => method !== 'GET' && method !== 'HEAD')) declare(response, withBody);
  // The authentication hook runs under /api, for every route that does not opt out.
  if (
    route.url.startsWith('/api/') &&
    (route.config as { auth?: string } | undefined)?.auth !== 'none'
  ) {
    declare(response, withCaller);
  }
}

/**
 * In tests and development: an answer whose status its route did not declare fails loudly
 * (a 500 and an error in the log), so that the OpenAPI document cannot drift from what the
 * routes really answer. Routes that declare no responses (static files, the page of the web
 * UI) are not checked.
 */
export function registerStatusGuard(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const declared = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
    const status = String(reply.statusCode);
    if (!declared || status in declared || status === '500') {
      done(null, payload);
      return;
    }
    const message = `${request.method} ${request.routeOptions.url} answered ${status}, which its schema does not declare`;
    request.log.error({ route: request.routeOptions.url, method: request.method, status }, message);
    // Replaced here rather than thrown: an error raised while sending goes to Fastify's
    // fallback handler, which would keep the undeclared status.
    reply.code(500).header('content-type', 'application/json; charset=utf-8');
    done(null, JSON.stringify(errorBody(new AppError('INTERNAL', message), request.id)));
  });
}
