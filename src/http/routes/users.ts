import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ServiceDeps } from '../../services/context.js';
import { changeUser, createUser, pageUsers } from '../../services/users.js';
import { actorOf, metaOf } from '../authentication.js';
import {
  authErrors,
  Email,
  errors,
  Id,
  Name,
  Page,
  PageQuery,
  Password,
  Strict,
  UserSchema,
} from '../schemas.js';

/** Users, managed by instance admins. */
export function userRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/users',
      {
        schema: {
          tags: ['users'],
          summary: 'Create a user (instance admins, signed in: never a token)',
          body: Strict({
            email: Email,
            name: Name,
            password: Password,
            instanceAdmin: Type.Optional(Type.Boolean()),
          }),
          response: { 201: UserSchema, ...errors(...authErrors, 'FORBIDDEN', 'CONFLICT') },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await createUser(deps, actorOf(request), request.body, metaOf(request))),
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
      async (request) => pageUsers(deps, actorOf(request), request.query),
    );

    app.patch(
      '/users/:userId',
      {
        schema: {
          tags: ['users'],
          summary:
            'Activate or deactivate a user (deactivation ends its sessions), or make or remove an instance admin (instance admins, signed in: never a token)',
          params: Strict({ userId: Id }),
          body: Type.Object(
            { active: Type.Optional(Type.Boolean()), instanceAdmin: Type.Optional(Type.Boolean()) },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: {
            200: UserSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
          },
        },
      },
      async (request) =>
        changeUser(deps, actorOf(request), request.params.userId, request.body, metaOf(request)),
    );
  };
}
