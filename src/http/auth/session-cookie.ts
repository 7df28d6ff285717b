import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const sessionCookie = 'orgtoken_session';

/** The session cookie's value, parsed from the request only where it is needed. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookie(header)[sessionCookie] : undefined;
}

/**
 * Writes the session cookie: HttpOnly, SameSite=Lax, for the whole site, Secure when the
 * request came over HTTPS; `lifetime` says when the browser drops it.
 */
function writeSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  lifetime: { maxAge: number } | { expires: Date },
): void {
  reply.header(
    'set-cookie',
    stringifySetCookie({
      name: sessionCookie,
      value,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: request.protocol === 'https',
      ...lifetime,
    }),
  );
}

/** Sets the session cookie, kept for `maxAgeSeconds`. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
): void {
  writeSessionCookie(request, reply, value, { maxAge: maxAgeSeconds });
}

/** Ends the session cookie in the browser: empty, expired at the epoch. */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  writeSessionCookie(request, reply, '', { expires: new Date(0) });
}
