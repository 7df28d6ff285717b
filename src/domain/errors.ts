/**
 * The error catalogue: every code the API can answer with, its HTTP status and a default
 * message. docs/api.md documents exactly these codes (test/error-catalogue.test.ts checks it).
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  AUTH_REQUIRED: { status: 401, message: 'Authentication is required.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The email or password is not correct.' },
  TOKEN_INVALID: { status: 401, message: 'The token is not valid.' },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired.' },
  TOKEN_REVOKED: { status: 401, message: 'The token has been revoked.' },
  TOKEN_ROTATED: {
    status: 401,
    message: "This secret was replaced by a rotation; use the token's current secret.",
  },
  OIDC_INVALID: {
    status: 401,
    message: 'The CI identity token was not accepted.',
  },
  OIDC_NO_MATCH: {
    status: 403,
    message:
      "The CI identity token does not meet the conditions of any of the organization's trust policies.",
  },
  OIDC_ISSUER_UNAVAILABLE: {
    status: 503,
    message:
      "The CI identity token's issuer could not be reached to fetch its keys; try again later.",
  },
  SIGNATURE_INVALID: {
    status: 401,
    message: 'The request signature is missing, malformed or not made by a known key.',
  },
  SIGNING_KEYS_UNAVAILABLE: {
    status: 503,
    message:
      "The signer's public keys could not be fetched to check the signature; try again later.",
  },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  PERMISSION_DENIED: { status: 403, message: 'The token lacks the permission this needs.' },
  PROJECT_OUT_OF_SCOPE: { status: 403, message: "The project is outside the token's scope." },
  PLAN_REQUIRED: { status: 403, message: "The organization's plan does not include this." },
  IP_NOT_ALLOWED: { status: 403, message: 'The token may not be used from this address.' },
  CSRF_FAILED: {
    status: 403,
    message: 'The X-CSRF-Token header is missing or does not match the session.',
  },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  CONFLICT: { status: 409, message: 'This conflicts with an existing object.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_ENCODING: {
    status: 415,
    message: 'The Content-Encoding of the body is not supported; send gzip or identity.',
  },
  RATE_LIMITED: { status: 429, message: 'Too many failed attempts; try again later.' },
  STORE_UNAVAILABLE: { status: 503, message: 'The store cannot be reached; try again later.' },
  SHUTTING_DOWN: {
    status: 503,
    message: 'This instance is shutting down; another instance takes the request.',
  },
  INGEST_BUSY: {
    status: 503,
    message: 'The server is parsing as many reports as it takes at once; try again later.',
  },
  INGEST_FAILED: {
    status: 500,
    message: 'The report parser stopped before it finished; nothing was stored.',
  },
  INTERNAL: { status: 500, message: 'An internal error occurred.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An expected failure that the HTTP layer turns into the documented error body. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /**
   * The field at fault, for VALIDATION_FAILED: bare as the domain and services name it
   * (`expiresAt`, `projects/keys/2`), or a request location (`/body/expiresAt`) once the HTTP
   * layer has placed it.
   */
  readonly field: string | undefined;
  /** For RATE_LIMITED: when to try again (the Retry-After header). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { field?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message ?? errorCatalogue[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The same error, about the field at this location (the HTTP layer places bare fields). */
export function placed(error: AppError, field: string): AppError {
  const moved = new AppError(error.code, error.message, {
    field,
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: error.retryAfterSeconds }),
  });
  moved.stack = error.stack;
  return moved;
}

/** Shorthand for the 400 every bad field gets. */
export function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { field });
}
