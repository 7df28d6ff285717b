import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OrgParams, Page, PageQuery } from '../../contract/common.js';
import {
  MemberBody,
  MemberParams,
  MemberSchema,
  NewMemberBody,
  NewOrgBody,
  OrganizationSchema,
  OrgChangeBody,
} from '../../contract/orgs.js';
import type { ServiceDeps } from '../../services/context.js';
import {
  addMember,
  createOrg,
  getOrg,
  pageMembers,
  pageOrgs,
  putMember,
  removeMember,
  updateOrg,
} from '../../services/orgs.js';
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

/** Organizations and their members. */
export function orgRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/orgs',
      {
        schema: {
          tags: ['organizations'],
          summary: 'Create an organization (instance admins, signed in: never a token)',
          body: NewOrgBody,
          response: {
            201: OrganizationSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createOrg(deps, callerOf(request), request.body)),
    );

    app.get(
      '/orgs',
      {
        schema: {
          tags: ['organizations'],
          summary: "The caller's organizations by key (every one for an instance admin)",
          querystring: PageQuery,
          response: { 200: Page(OrganizationSchema), ...errors(...authErrors) },
        },
      },
      async (request) => pageOrgs(deps, callerOf(request), request.query),
    );

    app.get(
      '/orgs/:org',
      {
        schema: {
          tags: ['organizations'],
          summary: 'One organization',
          params: OrgParams,
          response: { 200: OrganizationSchema, ...errors(...authErrors, 'NOT_FOUND') },
        },
      },
      async (request) => getOrg(deps, callerOf(request), request.params),
    );

    app.patch(
      '/orgs/:org',
      {
        schema: {
          tags: ['organizations'],
          summary:
            'Rename (org admins) or change the plan (instance admins, signed in: never a token)',
          params: OrgParams,
          body: OrgChangeBody,
          response: {
            200: OrganizationSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request) => updateOrg(deps, callerOf(request), request.params, request.body),
    );

    app.get(
      '/orgs/:org/members',
      {
        schema: {
          tags: ['members'],
          summary: 'Members of the organization by email (members)',
          params: OrgParams,
          querystring: PageQuery,
          response: { 200: Page(MemberSchema), ...errors(...authErrors, 'NOT_FOUND') },
        },
      },
      async (request) => pageMembers(deps, callerOf(request), request.params, request.query),
    );

    app.post(
      '/orgs/:org/members',
      {
        schema: {
          tags: ['members'],
          summary:
            'Add an existing, active user as a member, by email (org admins; granting admin needs a signed-in person, never a token)',
          params: OrgParams,
          body: NewMemberBody,
          response: {
            201: MemberSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await addMember(deps, callerOf(request), request.params, request.body)),
    );

    app.put(
      '/orgs/:org/members/:userId',
      {
        schema: {
          tags: ['members'],
          summary:
            "Add a member or change a member's role (org admins; granting or removing admin needs a signed-in person, never a token)",
          params: MemberParams,
          body: MemberBody,
          response: {
            200: MemberSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request) => putMember(deps, callerOf(request), request.params, request.body),
    );

    app.delete(
      '/orgs/:org/members/:userId',
      {
        schema: {
          tags: ['members'],
          summary:
            'Remove a member; its access ends with the next request (org admins; removing an admin needs a signed-in person, never a token)',
          params: MemberParams,
          response: {
            204: Type.Null(),
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request, reply) => {
        await removeMember(deps, callerOf(request), request.params);
        return reply.code(204).send(null);
      },
    );
  };
}
