import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OrgParams, Page, PageQuery } from '../../contract/common.js';
import {
  CheckResultSchema,
  CheckTokenBody,
  ExchangeAnswer,
  ExchangeBody,
  ExchangeListQuery,
  ExchangeParams,
  ExchangeSchema,
  NewTrustPolicyBody,
  TrustPolicyChangeBody,
  TrustPolicyParams,
  TrustPolicySchema,
} from '../../contract/trust-policies.js';
import type { ServiceDeps } from '../../services/context.js';
import { exchangeCiToken } from '../../services/oidc-exchange.js';
import {
  checkTrustPolicy,
  createTrustPolicy,
  deleteTrustPolicy,
  getTrustPolicy,
  pageExchanges,
  pageTrustPolicies,
  revokeExchange,
  updateTrustPolicy,
} from '../../services/trust-policies.js';
import { callerOf } from '../auth/principal.js';
import { metaOf } from '../auth/request-meta.js';
import { authErrors, errors } from '../responses.js';

const manageErrors = [...authErrors, 'FORBIDDEN', 'NOT_FOUND'] as const;
const tags = ['trust policies'];

/** Trust policies and the exchange of a CI's identity token (docs/api.md "Secretless CI"). */
export function trustPolicyRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/oidc/token',
      {
        config: { auth: 'none' },
        schema: {
          tags,
          summary:
            "Exchange a CI's identity token (a JWT from GitHub Actions, GitLab CI, …) for a short-lived ote_ token; no other credential",
          body: ExchangeBody,
          response: {
            201: ExchangeAnswer,
            ...errors('OIDC_INVALID', 'OIDC_NO_MATCH', 'OIDC_ISSUER_UNAVAILABLE', 'RATE_LIMITED'),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await exchangeCiToken(deps, metaOf(request), request.body)),
    );

    app.get(
      '/orgs/:org/trust-policies',
      {
        schema: {
          tags,
          summary: "The organization's trust policies, newest first (org admins)",
          params: OrgParams,
          querystring: PageQuery,
          response: { 200: Page(TrustPolicySchema), ...errors(...manageErrors) },
        },
      },
      async (request) => pageTrustPolicies(deps, callerOf(request), request.params, request.query),
    );

    app.post(
      '/orgs/:org/trust-policies',
      {
        schema: {
          tags,
          summary:
            'Trust a CI issuer for tokens whose claims meet conditions (org admins, enterprise)',
          params: OrgParams,
          body: NewTrustPolicyBody,
          response: {
            201: TrustPolicySchema,
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await createTrustPolicy(deps, callerOf(request), request.params, request.body)),
    );

    app.get(
      '/orgs/:org/trust-policies/:policyId',
      {
        schema: {
          tags,
          summary: 'One trust policy (org admins)',
          params: TrustPolicyParams,
          response: { 200: TrustPolicySchema, ...errors(...manageErrors) },
        },
      },
      async (request) => getTrustPolicy(deps, callerOf(request), request.params),
    );

    app.patch(
      '/orgs/:org/trust-policies/:policyId',
      {
        schema: {
          tags,
          summary: 'Change a trust policy; tokens it minted keep what they were minted with',
          params: TrustPolicyParams,
          body: TrustPolicyChangeBody,
          response: {
            200: TrustPolicySchema,
            ...errors(...manageErrors, 'PLAN_REQUIRED', 'CONFLICT'),
          },
        },
      },
      async (request) => updateTrustPolicy(deps, callerOf(request), request.params, request.body),
    );

    app.delete(
      '/orgs/:org/trust-policies/:policyId',
      {
        schema: {
          tags,
          summary: 'Delete a trust policy and revoke every live token it minted (org admins)',
          params: TrustPolicyParams,
          response: { 204: Type.Null(), ...errors(...manageErrors) },
        },
      },
      async (request, reply) => {
        await deleteTrustPolicy(deps, callerOf(request), request.params);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/orgs/:org/trust-policies/:policyId/check',
      {
        schema: {
          tags,
          summary: 'Dry run: which conditions a CI token passes and fails; mints nothing',
          params: TrustPolicyParams,
          body: CheckTokenBody,
          response: { 200: CheckResultSchema, ...errors(...manageErrors, 'PLAN_REQUIRED') },
        },
      },
      async (request) =>
        checkTrustPolicy(deps, callerOf(request), request.params, request.body.token),
    );

    app.get(
      '/orgs/:org/trust-policies/:policyId/exchanges',
      {
        schema: {
          tags,
          summary: 'The ote_ tokens a policy minted, newest first (org admins)',
          params: TrustPolicyParams,
          querystring: ExchangeListQuery,
          response: { 200: Page(ExchangeSchema), ...errors(...manageErrors) },
        },
      },
      async (request) => pageExchanges(deps, callerOf(request), request.params, request.query),
    );

    app.delete(
      '/orgs/:org/trust-policies/:policyId/exchanges/:tokenId',
      {
        schema: {
          tags,
          summary: 'Revoke one ote_ token a policy minted (org admins)',
          params: ExchangeParams,
          response: { 200: ExchangeSchema, ...errors(...manageErrors) },
        },
      },
      async (request) => revokeExchange(deps, callerOf(request), request.params),
    );
  };
}
