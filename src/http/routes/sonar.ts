import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, invalid } from '../../domain/errors.js';
import type { ServiceDeps } from '../../services/context.js';
import { resolveSession } from '../../services/sessions.js';
import {
  generateUserToken,
  revokeUserToken,
  searchUserTokens,
} from '../../services/sonar-tokens.js';
import type { TokenVerifier } from '../../services/token-auth.js';
import {
  actorOf,
  metaOf,
  registerAuthentication,
  secretFrom,
  sessionCookieOf,
  warnIfExpiringSoon,
} from '../authentication.js';
import { authErrors, errors, Name } from '../schemas.js';

// The token name rule of every other route (the Name schema), checked by hand here because
// these parameters may come from the query string or a form body.
const nameRegex = new RegExp(Name.pattern ?? '', 'u');

const Params = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  expirationDate: Type.String({ maxLength: 10 }),
});

/**
 * SonarQube-compatible endpoints (SPEC.md §3), so scripts and scanners written for
 * SonarQube work unchanged. Their parameters come as a query string or a form body. The
 * token routes also accept the user's email and password as Basic credentials, as
 * SonarQube's do; personal access tokens cannot manage tokens here either.
 */
export function sonarRoutes(
  deps: ServiceDeps,
  verifier: TokenVerifier,
  version: string,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
    registerAuthentication(app, deps, verifier);

    app.get(
      '/authentication/validate',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['sonarqube'],
          summary: 'Whether the presented credentials are valid',
          response: { 200: Type.Object({ valid: Type.Boolean() }), ...errors() },
        },
      },
      async (request, reply) => {
        const header = request.headers.authorization;
        if (header !== undefined) {
          const result = await verifier.verify(secretFrom(header) ?? '', metaOf(request));
          // A blocked address is told so, rather than told that a good token is invalid.
          if (!result.ok && result.code === 'RATE_LIMITED') {
            throw new AppError('RATE_LIMITED', undefined, {
              retryAfterSeconds: result.retryAfterSeconds,
            });
          }
          // SonarScanner reads the expiry here too, to warn before the token stops working.
          if (result.ok) warnIfExpiringSoon(deps, reply, result.token);
          return { valid: result.ok };
        }
        const cookie = sessionCookieOf(request);
        return { valid: cookie ? (await resolveSession(deps, cookie)) !== null : false };
      },
    );

    app.get(
      '/server/version',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['sonarqube'],
          summary: 'The server version, as plain text',
          response: { 200: Type.String(), ...errors() },
        },
      },
      async (_, reply) => reply.type('text/plain; charset=utf-8').send(version),
    );

    // SonarQube takes these parameters from the query string or a form body: read both,
    // then check them as one.
    const params = (request: FastifyRequest): { name: string; expirationDate?: string } => {
      const body = request.body;
      const merged: Record<string, unknown> = {
        ...(request.query as Record<string, unknown>),
        ...(typeof body === 'object' && body !== null ? body : {}),
      };
      const { name, expirationDate } = merged;
      if (typeof name !== 'string' || !nameRegex.test(name) || name.length > 100) {
        throw invalid('/querystring/name', 'name is required: 1 to 100 characters');
      }
      if (expirationDate !== undefined && typeof expirationDate !== 'string') {
        throw invalid('/querystring/expirationDate', 'expirationDate must be a date as YYYY-MM-DD');
      }
      return { name, ...(expirationDate === undefined ? {} : { expirationDate }) };
    };
    const formDescription =
      'name and expirationDate come as query parameters or as an application/x-www-form-urlencoded body';

    app.post(
      '/user_tokens/generate',
      {
        config: { passwordLogin: true },
        schema: {
          tags: ['sonarqube'],
          summary: 'Generate a personal access token (SonarQube shape)',
          description: formDescription,
          querystring: Type.Partial(Params),
          response: {
            200: Type.Object({
              login: Type.String(),
              name: Type.String(),
              createdAt: Type.Union([Type.String(), Type.Null()]),
              expirationDate: Type.Union([Type.String(), Type.Null()]),
              token: Type.String(),
              type: Type.Literal('USER_TOKEN'),
            }),
            ...errors(...authErrors, 'INVALID_CREDENTIALS', 'FORBIDDEN', 'CONFLICT'),
          },
        },
      },
      async (request) => generateUserToken(deps, actorOf(request), params(request)),
    );

    app.post(
      '/user_tokens/revoke',
      {
        config: { passwordLogin: true },
        schema: {
          tags: ['sonarqube'],
          summary: 'Revoke one of your personal access tokens by name (SonarQube shape)',
          description: formDescription,
          querystring: Type.Partial(Params),
          response: {
            204: Type.Null(),
            ...errors(...authErrors, 'INVALID_CREDENTIALS', 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request, reply) => {
        await revokeUserToken(deps, actorOf(request), params(request).name);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/user_tokens/search',
      {
        config: { passwordLogin: true },
        schema: {
          tags: ['sonarqube'],
          summary: 'Your personal access tokens (SonarQube shape)',
          response: {
            200: Type.Object({
              login: Type.String(),
              userTokens: Type.Array(
                Type.Object({
                  name: Type.String(),
                  createdAt: Type.Union([Type.String(), Type.Null()]),
                  lastConnectionDate: Type.Union([Type.String(), Type.Null()]),
                  expirationDate: Type.Union([Type.String(), Type.Null()]),
                  isExpired: Type.Boolean(),
                }),
              ),
            }),
            ...errors(...authErrors, 'INVALID_CREDENTIALS', 'FORBIDDEN'),
          },
        },
      },
      async (request) => searchUserTokens(deps, actorOf(request)),
    );
  };
}
