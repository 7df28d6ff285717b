import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SetupBody, SetupStateSchema } from '../../contract/setup.js';
import { UserSchema } from '../../contract/users.js';
import type { FirstRunSetup } from '../../services/setup.js';
import { metaOf } from '../auth/request-meta.js';
import { errors } from '../responses.js';

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
          response: { 200: SetupStateSchema, ...errors() },
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
          body: SetupBody,
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
