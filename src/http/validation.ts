import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler, preParsingHookHandler } from 'fastify';
import { AppError } from '../domain/errors.js';

// ajv-formats ships CommonJS with a default export; under NodeNext it arrives as the module.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function build(options: Options): Ajv {
  return addFormats(
    new Ajv({
      ...options,
      // Unknown properties are refused, not silently dropped: a typo in a field name must not
      // look like success.
      removeAdditional: false,
      useDefaults: true,
      discriminator: true,
      allErrors: false,
      strict: false,
    }),
  );
}

// A JSON body keeps its types: "5" is not 5. Query strings, path parameters and headers
// arrive as text, so there numbers and booleans are coerced.
const bodyAjv = build({ coerceTypes: false });
const textAjv = build({ coerceTypes: 'array' });

/** Fastify validator compiler: strict for bodies, coercing for everything that arrives as text. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);

/**
 * JSON bodies must be UTF-8 (RFC 8259). Fastify would parse a body declared as another
 * charset as UTF-8 anyway; refusing it keeps "what the client meant" and "what we stored"
 * the same.
 */
export function registerCharsetCheck(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, bodies or not.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const type = request.headers['content-type'];
    const charset = type ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1] : undefined;
    if (charset && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
      done(
        new AppError('VALIDATION_FAILED', 'JSON bodies must be UTF-8.', {
          field: '/headers/content-type',
        }),
      );
      return;
    }
    done(null, payload);
  });
}

/**
 * Path parameters (organization and project keys, ids) are checked before a body is read,
 * and before any route hook of the preParsing stage sees them: an upload to a malformed
 * address is refused without the server reading or parsing up to its body limit first, and
 * a route's own early work (the upload's authorization) only ever gets well-formed ones.
 * Fastify itself validates them after parsing the body, which then finds them valid again.
 * A GET or HEAD route without early work of its own has no body to read and no hook to
 * protect: Fastify's own check is the only one it gets, rather than the same check twice on
 * every read.
 */
export function registerEarlyParamsCheck(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const own = route.preParsing === undefined ? [] : [route.preParsing].flat();
    const reads = [route.method].flat().every((method) => method === 'GET' || method === 'HEAD');
    if (!route.schema?.params || (reads && own.length === 0)) return;
    route.preParsing = [checkParamsEarly, ...own];
  });
}

const checkParamsEarly: preParsingHookHandler = (request, _reply, payload, done) => {
  const validate = request.getValidationFunction('params');
  if (validate && !validate(request.params)) {
    // The shape Fastify gives its own validation errors, so one handler words them all.
    done(
      Object.assign(new Error('params'), {
        validation: validate.errors,
        validationContext: 'params',
      }),
    );
    return;
  }
  done(null, payload);
};
