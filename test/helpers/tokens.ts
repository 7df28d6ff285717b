import type { LightMyRequestResponse } from 'fastify';
import type { TestApp, TestSession } from './app.js';

export interface CreatedToken {
  id: string;
  token: string;
  body: Record<string, unknown>;
}

const dayMs = 24 * 3600 * 1000;

/** ISO time `days` from the test clock's now. */
export function daysFromNow(t: TestApp, days: number): string {
  return new Date(t.clock.now().getTime() + days * dayMs).toISOString();
}

/** Creates an organization token through the API as `admin`; throws unless 201. */
export async function createOrgToken(
  t: TestApp,
  admin: TestSession,
  orgKey: string,
  overrides: Record<string, unknown> = {},
): Promise<CreatedToken> {
  const response = await t.request(admin, {
    method: 'POST',
    url: `/api/v1/orgs/${orgKey}/tokens`,
    payload: {
      name: `token-${Math.random().toString(36).slice(2, 10)}`,
      permissions: ['analysis:execute', 'project:browse'],
      projects: { mode: 'all' },
      expiresAt: daysFromNow(t, 90),
      ...overrides,
    },
  });
  if (response.statusCode !== 201) throw new Error(`create token: ${response.body}`);
  const body = response.json() as Record<string, unknown> & { id: string; token: string };
  return { id: body.id, token: body.token, body };
}

/** Creates a personal access token for the session's user; throws unless 201. */
export async function createPersonalToken(
  t: TestApp,
  session: TestSession,
  overrides: Record<string, unknown> = {},
): Promise<CreatedToken> {
  const response = await t.request(session, {
    method: 'POST',
    url: '/api/v1/user/tokens',
    payload: {
      name: `pat-${Math.random().toString(36).slice(2, 10)}`,
      expiresAt: daysFromNow(t, 30),
      ...overrides,
    },
  });
  if (response.statusCode !== 201) throw new Error(`create PAT: ${response.body}`);
  const body = response.json() as Record<string, unknown> & { id: string; token: string };
  return { id: body.id, token: body.token, body };
}

/** A request authenticated by a token secret (no cookie, no CSRF header). */
export function withToken(
  t: TestApp,
  secret: string,
  options: {
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    payload?: unknown;
    remoteAddress?: string;
    basic?: boolean;
  },
): Promise<LightMyRequestResponse> {
  const authorization = options.basic
    ? `Basic ${Buffer.from(`${secret}:`).toString('base64')}`
    : `Bearer ${secret}`;
  return t.request(null, {
    method: options.method ?? 'GET',
    url: options.url,
    ...(options.payload === undefined ? {} : { payload: options.payload as object }),
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
    headers: { authorization },
  });
}

/** The documented detection regex, to find any secret in a text (not global: .test() is stateless). */
export const anySecret = /\bot[oue]_[0-9A-Za-z]{36}\b/;
