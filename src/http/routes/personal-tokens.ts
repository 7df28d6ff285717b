import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ServiceDeps } from '../../services/context.js';
import {
  createPersonalToken,
  pagePersonalTokens,
  revokePersonalToken,
} from '../../services/personal-tokens.js';
import { actorOf } from '../authentication.js';
import {
  authErrors,
  errors,
  Id,
  Name,
  Page,
  PageQuery,
  PersonalTokenSchema,
  Strict,
  Timestamp,
  WithSecret,
} from '../schemas.js';

/** The signed-in user's personal access tokens (SPEC.md §3 "Personal access tokens"). */
export function personalTokenRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/user/tokens',
      {
        schema: {
          tags: ['personal access tokens'],
          summary: 'Your personal access tokens, newest first',
          querystring: PageQuery,
          response: { 200: Page(PersonalTokenSchema), ...errors(...authErrors, 'FORBIDDEN') },
        },
      },
      async (request) => pagePersonalTokens(deps, actorOf(request), request.query),
    );

    app.post(
      '/user/tokens',
      {
        schema: {
          tags: ['personal access tokens'],
          summary: 'Create a personal access token; the answer holds its secret, once',
          body: Strict({ name: Name, expiresAt: Type.Union([Timestamp, Type.Null()]) }),
          response: {
            201: WithSecret(PersonalTokenSchema),
            ...errors(...authErrors, 'FORBIDDEN', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createPersonalToken(deps, actorOf(request), request.body)),
    );

    app.delete(
      '/user/tokens/:tokenId',
      {
        schema: {
          tags: ['personal access tokens'],
          summary: 'Revoke one of your personal access tokens',
          params: Strict({ tokenId: Id }),
          response: {
            200: PersonalTokenSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request) => revokePersonalToken(deps, actorOf(request), request.params.tokenId),
    );
  };
}
