import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { errors } from '../responses.js';

/** The file name a pipeline saves the CLI as, and the one its checksum line names. */
export const cliFileName = 'orgtoken.mjs';

/**
 * Where `npm run build` writes the CLI bundle (scripts/cli-bundle.config.ts), from src/http/routes
 * or dist/http/routes alike.
 */
export const defaultCliBundle = fileURLToPath(
  new URL(`../../../dist/cli-bundle/${cliFileName}`, import.meta.url),
);

interface Served {
  bytes: Buffer;
  /** `<sha256 hex>  orgtoken.mjs\n`, as sha256sum prints it, so `sha256sum -c` reads it. */
  checksumLine: string;
  etag: string;
}

function readBundle(path: string): Served | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, checksumLine: `${sha256}  ${cliFileName}\n`, etag: `"${sha256}"` };
}

const notBuilt = () =>
  new AppError(
    'NOT_FOUND',
    'This server has no CLI bundle: it was started without `npm run build`.',
  );

/**
 * The CLI, served by the server it talks to (docs/ci.md): one self-contained file of this
 * server's version and its SHA-256. Both answers carry the file's digest as their ETag and
 * `no-cache`, so a cache revalidates on every fetch and never pairs the file of one version
 * with the checksum of another.
 */
export function cliRoutes(bundlePath: string): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Read and hashed once: the file only changes with a build, and a build means a restart.
    const served = readBundle(bundlePath);
    if (!served) {
      app.log.warn(
        { path: bundlePath },
        'the CLI bundle is not built (run `npm run build`); /cli/orgtoken.mjs answers 404',
      );
    }

    const send = (
      request: FastifyRequest,
      reply: FastifyReply,
      type: string,
      body: (file: Served) => Buffer | string,
    ) => {
      if (!served) throw notBuilt();
      reply.header('cache-control', 'no-cache').header('etag', served.etag);
      if (request.headers['if-none-match'] === served.etag) return reply.code(304).send();
      return reply.type(type).send(body(served));
    };

    const answers = (type: string, description: string) => ({
      200: { description, content: { [type]: { schema: Type.String() } } },
      304: { description: 'Not modified: the ETag sent in If-None-Match is current' },
      ...errors('NOT_FOUND'),
    });

    app.get(
      `/cli/${cliFileName}`,
      {
        config: { auth: 'none' },
        schema: {
          tags: ['operations'],
          summary:
            "The orgtoken CLI of this server's version: one JavaScript file for Node.js 20 or later, no dependencies",
          response: answers('text/javascript', 'The CLI; run it with `node orgtoken.mjs ...`'),
        },
      },
      async (request, reply) =>
        send(request, reply, 'text/javascript; charset=utf-8', (file) => file.bytes),
    );

    app.get(
      `/cli/${cliFileName}.sha256`,
      {
        config: { auth: 'none' },
        schema: {
          tags: ['operations'],
          summary: 'The SHA-256 of /cli/orgtoken.mjs, as `sha256sum` prints it',
          response: answers(
            'text/plain',
            'One line, `<hex digest>  orgtoken.mjs`: `sha256sum -c -` checks a downloaded file with it',
          ),
        },
      },
      async (request, reply) =>
        send(request, reply, 'text/plain; charset=utf-8', (file) => file.checksumLine),
    );
  };
}
