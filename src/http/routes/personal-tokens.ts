import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Page, PageQuery } from '../../contract/common.js';
import {
  NewPersonalTokenBody,
  PersonalTokenParams,
  PersonalTokenSchema,
  WithSecret,
} from '../../contract/tokens.js';
import type { ServiceDeps } from '../../services/context.js';
import {
  createPersonalToken,
  pagePersonalTokens,
  revokePersonalToken,
} from '../../services/personal-tokens.js';
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

/** The signed-in user's personal access tokens (docs/api.md "Tokens"). */
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
      async (request) => pagePersonalTokens(deps, callerOf(request), request.query),
    );

    app.post(
      '/user/tokens',
      {
        schema: {
          tags: ['personal access tokens'],
          summary: 'Create a personal access token; the answer holds its secret, once',
          description:
            'Without `permissions`, `org` and `projects` the token acts with all of your rights. With them it is narrowed: it never goes beyond the listed permissions, organization and projects, and never beyond your own rights.',
          body: NewPersonalTokenBody,
          response: {
            201: WithSecret(PersonalTokenSchema),
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createPersonalToken(deps, callerOf(request), request.body)),
    );

    app.delete(
      '/user/tokens/:tokenId',
      {
        schema: {
          tags: ['personal access tokens'],
          summary: 'Revoke one of your personal access tokens',
          params: PersonalTokenParams,
          response: {
            200: PersonalTokenSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request) => revokePersonalToken(deps, callerOf(request), request.params),
    );
  };
}
