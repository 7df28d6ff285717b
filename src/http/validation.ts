import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

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
