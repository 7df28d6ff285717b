import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, placed } from '../domain/errors.js';
import { translateStoreError } from '../store/errors.js';
import { setFrameHeaders } from './security-headers.js';

/** The error body (docs/api.md "Errors"). */
export function errorBody(error: AppError, requestId: string) {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.field === undefined ? {} : { field: error.field }),
    },
  };
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Names the field of the first schema violation, e.g. `/body/email`. */
function fromValidation(error: FastifyError): AppError {
  const issue = (error.validation?.[0] ?? { instancePath: '', params: {} }) as ValidationIssue;
  const part = error.validationContext ?? 'body';
  const extra =
    (issue.params.missingProperty as string | undefined) ??
    (issue.params.additionalProperty as string | undefined);
  const field = `/${part}${issue.instancePath}${extra ? `/${extra}` : ''}`;
  const message =
    issue.params.additionalProperty !== undefined
      ? `${field} is not a known field`
      : `${field} ${issue.message ?? 'is not valid'}`;
  return new AppError('VALIDATION_FAILED', message, { field });
}

// Fastify's own client errors (parsing, content type, size) and what each means here.
function fromFastify(error: FastifyError): AppError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'VALIDATION_FAILED',
        'The body must be JSON (Content-Type: application/json).',
        {
          field: '/headers/content-type',
        },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_FAILED', 'The JSON body is empty.', { field: '/body' });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    // Malformed JSON, __proto__ or constructor keys, bad Content-Length and the like.
    return new AppError('VALIDATION_FAILED', `The request is malformed: ${error.message}`, {
      field: '/body',
    });
  }
  return null;
}

/**
 * Fastify's router refuses some URLs before any route or hook runs (a parameter over the
 * length limit, bad percent-encoding); those get the same error body as everything else.
 */
export function frameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const known = new AppError(
    'VALIDATION_FAILED',
    `The URL is not valid: ${error.message.slice(0, 200)}`,
    {
      field: '/url',
    },
  );
  setFrameHeaders(request, reply);
  reply.code(known.status).send(errorBody(known, request.id));
}

const requestParts = ['params', 'querystring', 'body'] as const;

/**
 * Where in the request a field is. Services and the domain name fields bare (`expiresAt`,
 * `projects/keys/2`); the route's schema says whether that is a path parameter, a query
 * parameter or part of the body. A field that already names a location is kept.
 */
export function locateField(request: FastifyRequest, field: string): string {
  if (field.startsWith('/')) return field;
  const head = field.split('/')[0] ?? field;
  const schema = request.routeOptions.schema as
    | Partial<Record<(typeof requestParts)[number], { properties?: Record<string, unknown> }>>
    | undefined;
  for (const part of requestParts) {
    if (schema?.[part]?.properties?.[head] !== undefined) return `/${part}/${field}`;
  }
  return `/${request.method === 'GET' ? 'querystring' : 'body'}/${field}`;
}

/** RFC 6750: a refused token is an `invalid_token`; a missing one gets the bare challenge. */
function challenge(error: AppError): string {
  if (!error.code.startsWith('TOKEN_')) return 'Bearer realm="orgtoken"';
  const description = error.message.replace(/["\\]/g, '');
  return `Bearer realm="orgtoken", error="invalid_token", error_description="${description}"`;
}

/** Maps anything thrown to the documented error body; never leaks details of a fault. */
export function registerErrorHandling(
  app: FastifyInstance,
  /** Answers a browser's navigation with the web UI instead of the JSON 404 (web-ui.ts). */
  page: ((request: FastifyRequest, reply: FastifyReply) => boolean) | null = null,
): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let known: AppError | null;
    if (error instanceof AppError) known = error;
    else if (error.validation) known = fromValidation(error);
    else known = translateStoreError(error) ?? fromFastify(error);

    if (!known) {
      request.log.error({ err: error }, 'unhandled error');
      known = new AppError('INTERNAL');
    } else if (known.code === 'STORE_UNAVAILABLE') {
      request.log.warn({ err: { message: error.message, code: error.code } }, 'store unavailable');
    }
    if (known.field !== undefined && !known.field.startsWith('/')) {
      known = placed(known, locateField(request, known.field));
    }
    if (known.status === 401) reply.header('WWW-Authenticate', challenge(known));
    if (known.status === 503) reply.header('Retry-After', '5');
    if (known.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(known.retryAfterSeconds));
    }
    return reply.code(known.status).send(errorBody(known, request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    if (page?.(request, reply)) return reply;
    return reply
      .code(404)
      .send(
        errorBody(
          new AppError(
            'NOT_FOUND',
            `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}.`,
          ),
          request.id,
        ),
      );
  });
}
