import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setPageHeaders } from './security-headers.js';

/** Where `npm run build` puts the web UI (web/dist), from src/http or dist/http alike. */
export const defaultWebRoot = fileURLToPath(new URL('../../web/dist/', import.meta.url));

// Paths the single-page app never owns: the API, operations, and the built files themselves.
const serverPaths = /^\/(?:api(?:\/|$)|healthz$|readyz$|metrics$|assets\/)/;

/**
 * True when `pathname` (the part after /assets/, as @fastify/static passes it: decoded once
 * by decodeURI) names a file inside `root`. The send library decodes it once more and
 * answers a `..` segment with 403 and a NUL with 400, errors the error handler can only
 * read as a malformed request; anything that could leave the folder, or is not a plain
 * file name, is refused here first, and so answered with the JSON 404 like any missing file.
 */
function isAssetPath(pathname: string, root: string): boolean {
  let decoded: string;
  try {
    // The same decoding send applies, so both read the same path.
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\\\u0000-\u001f\u007f]/.test(decoded) || decoded.endsWith('/')) return false;
  if (decoded.split('/').some((segment) => segment === '..')) return false;
  const base = resolve(root);
  return resolve(base, `.${decoded}`).startsWith(`${base}${sep}`);
}

/**
 * The web UI (docs/web-ui.md): hashed files under /assets/ cached for a year, and the app's one
 * HTML page for every other GET a browser navigates to, so /orgs/acme/admin/tokens can be
 * reloaded or bookmarked. API paths keep their JSON 404. Returns the page-serving fallback
 * for the not-found handler, or null when the UI is not built.
 */
export async function registerWebUi(
  app: FastifyInstance,
  root: string,
): Promise<((request: FastifyRequest, reply: FastifyReply) => boolean) | null> {
  const indexPath = join(root, 'index.html');
  if (!existsSync(indexPath)) {
    app.log.warn({ root }, 'the web UI is not built (run `npm run build`); serving the API only');
    return null;
  }
  const page = readFileSync(indexPath);
  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    index: false,
    immutable: true,
    maxAge: '365d',
    decorateReply: false,
    allowedPath: (pathname, assets) => isAssetPath(pathname, assets),
  });
  return (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = request.url.split('?', 1)[0] ?? '';
    if (serverPaths.test(path)) return false;
    // Only navigations: a script asking for JSON at a wrong address still gets the JSON 404.
    if (!(request.headers.accept ?? '').includes('text/html')) return false;
    setPageHeaders(reply);
    reply
      .code(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(page);
    return true;
  };
}
