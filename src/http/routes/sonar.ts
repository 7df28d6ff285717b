import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyRequest } from 'fastify';
import { Name } from '../../contract/common.js';
import {
  GeneratedTokenSchema,
  GenerateParams,
  NameParams,
  type SonarTokenRequest,
  UserTokenListSchema,
  ValidationSchema,
} from '../../contract/sonar.js';
import { AppError, invalid } from '../../domain/errors.js';
import type { TokenVerifier } from '../../runtime/verifier.js';
import type { ServiceDeps } from '../../services/context.js';
import { resolveSession } from '../../services/sessions.js';
import {
  generateUserToken,
  revokeUserToken,
  searchUserTokens,
} from '../../services/sonar-tokens.js';
import { secretFrom } from '../auth/credentials.js';
import { registerAuthentication } from '../auth/hook.js';
import { callerOf } from '../auth/principal.js';
import { metaOf } from '../auth/request-meta.js';
import { sessionCookieOf } from '../auth/session-cookie.js';
import { warnIfExpiringSoon } from '../auth/token-expiration.js';
import { authErrors, errors } from '../responses.js';
import { sonarGateRoutes } from './sonar-gate.js';

// The token name rule of every other route (the Name schema), checked by hand here because
// these parameters may come from the query string or a form body.
const nameRegex = new RegExp(Name.pattern ?? '', 'u');

const optionalStrings = ['expirationDate', 'type', 'login', 'projectKey', 'organization'] as const;
const compiledGenerate = TypeCompiler.Compile(Type.Partial(GenerateParams));

/**
 * SonarQube-compatible endpoints (docs/api.md), so scripts and scanners written for
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
    // The quality-gate check (report-task.txt's task, then the gate), with the same credentials.
    await app.register(sonarGateRoutes(deps));

    app.get(
      '/authentication/validate',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['sonarqube'],
          summary: 'Whether the presented credentials are valid',
          // A credential refused from an address at its failure limit is told so (429).
          response: { 200: ValidationSchema, ...errors('RATE_LIMITED') },
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
    // then check them as one. Nothing unknown is ignored: a parameter orgtoken does not
    // honour would make a token other than the one asked for.
    const params = (request: FastifyRequest, allowed: readonly string[]): SonarTokenRequest => {
      const query = request.query as Record<string, unknown>;
      const body = (
        typeof request.body === 'object' && request.body !== null ? request.body : {}
      ) as Record<string, unknown>;
      // A parameter given in both places would leave one of them unread: refused.
      for (const key of Object.keys(body)) {
        if (key in query)
          throw invalid(`/querystring/${key}`, `${key} is given twice (query and body)`);
      }
      const merged: Record<string, unknown> = { ...query, ...body };
      for (const key of Object.keys(merged)) {
        if (!allowed.includes(key))
          throw invalid(`/querystring/${key}`, `${key} is not a known parameter`);
      }
      const { name } = merged;
      if (typeof name !== 'string' || !nameRegex.test(name) || [...name].length > 100) {
        throw invalid('/querystring/name', 'name is required: 1 to 100 characters');
      }
      for (const key of optionalStrings) {
        if (merged[key] !== undefined && typeof merged[key] !== 'string') {
          throw invalid(`/querystring/${key}`, `${key} must be given once, as text`);
        }
      }
      const issue = compiledGenerate.Errors(merged).First();
      if (issue) {
        const key = issue.path.split('/')[1] ?? 'name';
        throw invalid(`/querystring/${key}`, `${key} ${issue.message.toLowerCase()}`);
      }
      return merged as unknown as SonarTokenRequest;
    };
    const formDescription =
      'The parameters come as query parameters or as an application/x-www-form-urlencoded body';

    app.post(
      '/user_tokens/generate',
      {
        config: { passwordLogin: true },
        schema: {
          tags: ['sonarqube'],
          summary: 'Generate a personal access token (SonarQube shape)',
          description: formDescription,
          querystring: Type.Partial(GenerateParams),
          response: {
            200: GeneratedTokenSchema,
            ...errors(...authErrors, 'INVALID_CREDENTIALS', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request) =>
        generateUserToken(
          deps,
          callerOf(request),
          params(request, Object.keys(GenerateParams.properties)),
        ),
    );

    app.post(
      '/user_tokens/revoke',
      {
        config: { passwordLogin: true },
        schema: {
          tags: ['sonarqube'],
          summary: 'Revoke one of your personal access tokens by name (SonarQube shape)',
          description: formDescription,
          querystring: Type.Partial(NameParams),
          response: {
            204: Type.Null(),
            ...errors(...authErrors, 'INVALID_CREDENTIALS', 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request, reply) => {
        await revokeUserToken(deps, callerOf(request), params(request, ['name']).name);
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
            200: UserTokenListSchema,
            ...errors(...authErrors, 'INVALID_CREDENTIALS', 'FORBIDDEN'),
          },
        },
      },
      async (request) => searchUserTokens(deps, callerOf(request)),
    );
  };
}
