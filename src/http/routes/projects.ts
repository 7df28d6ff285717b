import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ServiceDeps } from '../../services/context.js';
import {
  createProject,
  deleteProject,
  getProject,
  pageProjects,
  updateProject,
} from '../../services/projects.js';
import { actorOf, metaOf } from '../authentication.js';
import {
  authErrors,
  errors,
  Name,
  OrgParams,
  Page,
  PageQuery,
  ProjectKey,
  ProjectParams,
  ProjectSchema,
  Strict,
} from '../schemas.js';

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
      async (request) => pageProjects(deps, actorOf(request), request.params.org, request.query),
    );

    app.post(
      '/orgs/:org/projects',
      {
        schema: {
          tags: ['projects'],
          summary: 'Create a project (org admins)',
          params: OrgParams,
          body: Strict({ key: ProjectKey, name: Name }),
          response: {
            201: ProjectSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await createProject(
              deps,
              actorOf(request),
              request.params.org,
              request.body,
              metaOf(request),
            ),
          ),
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
      async (request) =>
        getProject(deps, actorOf(request), request.params.org, request.params.projectKey),
    );

    app.patch(
      '/orgs/:org/projects/:projectKey',
      {
        schema: {
          tags: ['projects'],
          summary: 'Rename a project (org admins)',
          params: ProjectParams,
          body: Strict({ name: Name }),
          response: { 200: ProjectSchema, ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND') },
        },
      },
      async (request) =>
        updateProject(
          deps,
          actorOf(request),
          request.params.org,
          request.params.projectKey,
          request.body,
          metaOf(request),
        ),
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
        await deleteProject(
          deps,
          actorOf(request),
          request.params.org,
          request.params.projectKey,
          metaOf(request),
        );
        return reply.code(204).send(null);
      },
    );
  };
}
