import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Page, PageQuery } from '../../contract/common.js';
import { NewUserBody, UserChangeBody, UserParams, UserSchema } from '../../contract/users.js';
import type { ServiceDeps } from '../../services/context.js';
import { changeUser, createUser, pageUsers } from '../../services/users.js';
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

/** Users, managed by instance admins. */
export function userRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/users',
      {
        schema: {
          tags: ['users'],
          summary: 'Create a user (instance admins, signed in: never a token)',
          body: NewUserBody,
          response: { 201: UserSchema, ...errors(...authErrors, 'FORBIDDEN', 'CONFLICT') },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createUser(deps, callerOf(request), request.body)),
    );

    app.get(
      '/users',
      {
        schema: {
          tags: ['users'],
          summary: 'List users by email (instance admins)',
          querystring: PageQuery,
          response: { 200: Page(UserSchema), ...errors(...authErrors, 'FORBIDDEN') },
        },
      },
      async (request) => pageUsers(deps, callerOf(request), request.query),
    );

    app.patch(
      '/users/:userId',
      {
        schema: {
          tags: ['users'],
          summary:
            'Activate or deactivate a user (deactivation ends its sessions), or make or remove an instance admin (instance admins, signed in: never a token)',
          params: UserParams,
          body: UserChangeBody,
          response: {
            200: UserSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request) => changeUser(deps, callerOf(request), request.params, request.body),
    );
  };
}
