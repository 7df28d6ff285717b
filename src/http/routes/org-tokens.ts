import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ServiceDeps } from '../../services/context.js';
import {
  createOrgToken,
  getOrgToken,
  getTokenPolicy,
  pageOrgTokens,
  putTokenPolicy,
  revokeOrgToken,
  rotateOrgToken,
  updateOrgToken,
} from '../../services/org-tokens.js';
import { actorOf, metaOf } from '../authentication.js';
import {
  authErrors,
  Description,
  errors,
  Id,
  Name,
  OrgKey,
  OrgParams,
  OrgTokenSchema,
  Page,
  PageQuery,
  PermissionSchema,
  ProjectScopeSchema,
  SearchText,
  Strict,
  Timestamp,
  TokenPolicySchema,
  TokenStatusSchema,
  WithSecret,
} from '../schemas.js';

const TokenParams = Strict({ org: OrgKey, tokenId: Id });
const Permissions = Type.Array(PermissionSchema, { minItems: 1, maxItems: 20, uniqueItems: true });
const Cidrs = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 });
const manageErrors = [...authErrors, 'FORBIDDEN', 'NOT_FOUND'] as const;

/** Organization tokens and the token policy (docs/api.md "Tokens"). */
export function orgTokenRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/orgs/:org/tokens',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'Organization tokens, newest first, by status and name (org admins)',
          params: OrgParams,
          querystring: Type.Composite(
            [
              PageQuery,
              Type.Object({
                status: Type.Optional(TokenStatusSchema),
                q: Type.Optional(SearchText(100)),
              }),
            ],
            { additionalProperties: false },
          ),
          response: { 200: Page(OrgTokenSchema), ...errors(...manageErrors) },
        },
      },
      async (request) => {
        const { status, q, limit, cursor } = request.query;
        return pageOrgTokens(
          deps,
          actorOf(request),
          request.params.org,
          { status, q },
          { limit, cursor },
        );
      },
    );

    app.post(
      '/orgs/:org/tokens',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'Create an organization token; the answer holds its secret, once (org admins)',
          params: OrgParams,
          body: Strict({
            name: Name,
            description: Type.Optional(Description),
            permissions: Permissions,
            projects: ProjectScopeSchema,
            expiresAt: Type.Union([Timestamp, Type.Null()]),
            allowedCidrs: Type.Optional(Cidrs),
          }),
          response: {
            201: WithSecret(OrgTokenSchema),
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await createOrgToken(
              deps,
              actorOf(request),
              request.params.org,
              request.body,
              metaOf(request),
            ),
          ),
    );

    app.get(
      '/orgs/:org/tokens/:tokenId',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'One organization token (org admins)',
          params: TokenParams,
          response: { 200: OrgTokenSchema, ...errors(...manageErrors) },
        },
      },
      async (request) =>
        getOrgToken(deps, actorOf(request), request.params.org, request.params.tokenId),
    );

    app.patch(
      '/orgs/:org/tokens/:tokenId',
      {
        schema: {
          tags: ['organization tokens'],
          summary:
            'Edit name, description, permissions, projects or allowedCidrs; never the expiry',
          params: TokenParams,
          body: Type.Object(
            {
              name: Type.Optional(Name),
              description: Type.Optional(Description),
              permissions: Type.Optional(Permissions),
              projects: Type.Optional(ProjectScopeSchema),
              allowedCidrs: Type.Optional(Cidrs),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: {
            200: OrgTokenSchema,
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request) =>
        updateOrgToken(
          deps,
          actorOf(request),
          request.params.org,
          request.params.tokenId,
          request.body,
          metaOf(request),
        ),
    );

    app.delete(
      '/orgs/:org/tokens/:tokenId',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'Revoke: refused from the next request on, kept in the records (org admins)',
          params: TokenParams,
          response: { 200: OrgTokenSchema, ...errors(...manageErrors) },
        },
      },
      async (request) =>
        revokeOrgToken(
          deps,
          actorOf(request),
          request.params.org,
          request.params.tokenId,
          metaOf(request),
        ),
    );

    app.post(
      '/orgs/:org/tokens/:tokenId/rotate',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'Replace the secret; the previous one stays valid for the grace period',
          params: TokenParams,
          body: Strict({
            expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
            gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
          }),
          response: {
            200: WithSecret(OrgTokenSchema),
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request) =>
        rotateOrgToken(
          deps,
          actorOf(request),
          request.params.org,
          request.params.tokenId,
          request.body,
          metaOf(request),
        ),
    );

    app.get(
      '/orgs/:org/token-policy',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'The token lifetime policy (org admins)',
          params: OrgParams,
          response: { 200: TokenPolicySchema, ...errors(...manageErrors) },
        },
      },
      async (request) => getTokenPolicy(deps, actorOf(request), request.params.org),
    );

    app.put(
      '/orgs/:org/token-policy',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'Set the token lifetime policy (org admins, enterprise plan)',
          params: OrgParams,
          body: TokenPolicySchema,
          response: { 200: TokenPolicySchema, ...errors(...manageErrors, 'PLAN_REQUIRED') },
        },
      },
      async (request) =>
        putTokenPolicy(deps, actorOf(request), request.params.org, request.body, metaOf(request)),
    );
  };
}
