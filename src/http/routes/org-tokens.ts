import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OrgParams, Page } from '../../contract/common.js';
import {
  NewOrgTokenBody,
  OrgTokenChangeBody,
  OrgTokenListQuery,
  OrgTokenSchema,
  RotationBody,
  TokenParams,
  TokenPolicySchema,
  WithSecret,
} from '../../contract/tokens.js';
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
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

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
          querystring: OrgTokenListQuery,
          response: { 200: Page(OrgTokenSchema), ...errors(...manageErrors) },
        },
      },
      async (request) => pageOrgTokens(deps, callerOf(request), request.params, request.query),
    );

    app.post(
      '/orgs/:org/tokens',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'Create an organization token; the answer holds its secret, once (org admins)',
          params: OrgParams,
          body: NewOrgTokenBody,
          response: {
            201: WithSecret(OrgTokenSchema),
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await createOrgToken(deps, callerOf(request), request.params, request.body)),
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
      async (request) => getOrgToken(deps, callerOf(request), request.params),
    );

    app.patch(
      '/orgs/:org/tokens/:tokenId',
      {
        schema: {
          tags: ['organization tokens'],
          summary:
            'Edit name, description, permissions, projects or allowedCidrs; never the expiry',
          params: TokenParams,
          body: OrgTokenChangeBody,
          response: {
            200: OrgTokenSchema,
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request) => updateOrgToken(deps, callerOf(request), request.params, request.body),
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
      async (request) => revokeOrgToken(deps, callerOf(request), request.params),
    );

    app.post(
      '/orgs/:org/tokens/:tokenId/rotate',
      {
        schema: {
          tags: ['organization tokens'],
          summary: 'Replace the secret; the previous one stays valid for the grace period',
          params: TokenParams,
          body: RotationBody,
          response: {
            200: WithSecret(OrgTokenSchema),
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request) => rotateOrgToken(deps, callerOf(request), request.params, request.body),
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
      async (request) => getTokenPolicy(deps, callerOf(request), request.params),
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
      async (request) => putTokenPolicy(deps, callerOf(request), request.params, request.body),
    );
  };
}
