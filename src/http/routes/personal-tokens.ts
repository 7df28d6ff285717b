import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { personalTokenPermissions } from '../../domain/permissions.js';
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
  OrgKey,
  Page,
  PageQuery,
  PersonalTokenSchema,
  ProjectScopeSchema,
  Strict,
  Timestamp,
  WithSecret,
} from '../schemas.js';

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
      async (request) => pagePersonalTokens(deps, actorOf(request), request.query),
    );

    app.post(
      '/user/tokens',
      {
        schema: {
          tags: ['personal access tokens'],
          summary: 'Create a personal access token; the answer holds its secret, once',
          description:
            'Without `permissions`, `org` and `projects` the token acts with all of your rights. With them it is narrowed: it never goes beyond the listed permissions, organization and projects, and never beyond your own rights.',
          body: Strict({
            name: Name,
            expiresAt: Type.Union([Timestamp, Type.Null()]),
            permissions: Type.Optional(
              Type.Array(Type.Union(personalTokenPermissions.map((p) => Type.Literal(p))), {
                minItems: 1,
                maxItems: personalTokenPermissions.length,
                uniqueItems: true,
              }),
            ),
            org: Type.Optional(OrgKey),
            projects: Type.Optional(ProjectScopeSchema),
          }),
          response: {
            201: WithSecret(PersonalTokenSchema),
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
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
