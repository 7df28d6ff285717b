/**
 * The secret of an `Authorization` header: `Bearer <token>`, or `Basic base64(<token>:)` as
 * SonarQube scanners send it (the token as login, empty password). Null when malformed.
 */
export function secretFrom(header: string): string | null {
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // A password beside the token is refused rather than ignored: it is not what it seems.
  if (colon < 0 || colon !== decoded.length - 1) return null;
  return decoded.slice(0, colon) || null;
}

/** Email and password from `Basic base64(email:password)` with a non-empty password, or null. */
export function passwordFrom(header: string): { email: string; password: string } | null {
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'basic') return null;
  const value = header.slice(space + 1).trim();
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
