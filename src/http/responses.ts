import type { TSchema } from '@sinclair/typebox';
import { ErrorBody } from '../contract/common.js';
import { type ErrorCode, errorCatalogue } from '../domain/errors.js';

/** Response schemas for the error statuses a route can answer, plus the ones any route can. */
export function errors(...codes: ErrorCode[]): Record<number, TSchema> {
  const statuses = new Set<number>([400, 500, 503]);
  for (const code of codes) statuses.add(errorCatalogue[code].status);
  return Object.fromEntries([...statuses].map((status) => [status, ErrorBody]));
}

/** The statuses of a route that needs a signed-in caller. */
export const authErrors: ErrorCode[] = ['AUTH_REQUIRED', 'CSRF_FAILED'];
