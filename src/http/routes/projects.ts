import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OrgParams, Page, PageQuery, ProjectParams } from '../../contract/common.js';
import { NewProjectBody, ProjectChangeBody, ProjectSchema } from '../../contract/projects.js';
import type { ServiceDeps } from '../../services/context.js';
import {
  createProject,
  deleteProject,
  getProject,
  pageProjects,
  updateProject,
} from '../../services/projects.js';
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

/** Projects of an organization: members browse, admins create, rename and delete. */
export function projectRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/orgs/:org/projects',
      {
        schema: {
          tags: ['projects'],
          summary: 'Projects of the organization by key',
          params: OrgParams,
          querystring: PageQuery,
          response: { 200: Page(ProjectSchema), ...errors(...authErrors, 'NOT_FOUND') },
        },
      },
      async (request) => pageProjects(deps, callerOf(request), request.params, request.query),
    );

    app.post(
      '/orgs/:org/projects',
      {
        schema: {
          tags: ['projects'],
          summary: 'Create a project (org admins)',
          params: OrgParams,
          body: NewProjectBody,
          response: {
            201: ProjectSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await createProject(deps, callerOf(request), request.params, request.body)),
    );

    app.get(
      '/orgs/:org/projects/:projectKey',
      {
        schema: {
          tags: ['projects'],
          summary: 'One project',
          params: ProjectParams,
          response: { 200: ProjectSchema, ...errors(...authErrors, 'NOT_FOUND') },
        },
      },
      async (request) => getProject(deps, callerOf(request), request.params),
    );

    app.patch(
      '/orgs/:org/projects/:projectKey',
      {
        schema: {
          tags: ['projects'],
          summary: 'Rename a project (org admins)',
          params: ProjectParams,
          body: ProjectChangeBody,
          response: { 200: ProjectSchema, ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND') },
        },
      },
      async (request) => updateProject(deps, callerOf(request), request.params, request.body),
    );

    app.delete(
      '/orgs/:org/projects/:projectKey',
      {
        schema: {
          tags: ['projects'],
          summary: 'Delete a project and everything stored under it (org admins)',
          params: ProjectParams,
          response: { 204: Type.Null(), ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND') },
        },
      },
      async (request, reply) => {
        await deleteProject(deps, callerOf(request), request.params);
        return reply.code(204).send(null);
      },
    );
  };
}
