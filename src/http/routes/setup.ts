import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FirstRunSetup } from '../../services/setup.js';
import { metaOf } from '../authentication.js';
import { Email, errors, Name, Password, Strict, UserSchema } from '../schemas.js';

/** First-run setup: create the first instance admin with the code printed at start. */
export function setupRoutes(setup: FirstRunSetup): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/setup',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['setup'],
          summary: 'Whether first-run setup is waiting for its code',
          response: { 200: Type.Object({ required: Type.Boolean() }), ...errors() },
        },
      },
      async () => ({ required: await setup.pending() }),
    );

    app.post(
      '/setup',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['setup'],
          summary: 'Create the first instance admin with the one-time setup code',
          body: Strict({
            code: Type.String({ minLength: 1, maxLength: 200 }),
            email: Email,
            name: Name,
            password: Password,
          }),
          response: { 201: UserSchema, ...errors('FORBIDDEN', 'CONFLICT') },
        },
      },
      async (request, reply) => {
        const { code, ...user } = request.body;
        return reply.code(201).send(await setup.complete(code, user, metaOf(request)));
      },
    );
  };
}
