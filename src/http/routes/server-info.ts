import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ServerInfoSchema } from '../../contract/server-info.js';
import { authErrors, errors } from '../responses.js';

/**
 * GET /api/v1/server, for any caller: the version and the configured public URL, which the
 * web UI puts in CI snippets. Like every /api/v1 route but sign-in and setup, it needs a
 * caller; the signed-in pages that show snippets have one.
 */
export function serverInfoRoutes(info: {
  version: string;
  publicUrl: string | null;
}): FastifyPluginAsyncTypebox {
  const answer = { version: info.version, publicUrl: info.publicUrl?.replace(/\/+$/, '') ?? null };
  return async (app) => {
    app.get(
      '/server',
      {
        schema: {
          tags: ['operations'],
          summary: "The server's version and the public URL CI snippets show (any caller)",
          response: { 200: ServerInfoSchema, ...errors(...authErrors) },
        },
      },
      async () => answer,
    );
  };
}
