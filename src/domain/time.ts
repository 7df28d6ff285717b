import { invalid } from './errors.js';

/**
 * Normalizes an ISO-8601 date-time to the stored form (UTC, milliseconds). Schema formats
 * admit strings such as leap seconds that Date cannot represent; those are refused here.
 */
export function normalizeTimestamp(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(field, `${field} is not a date-time this server can use`);
  return new Date(ms).toISOString();
}
