import { type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { errorCatalogue } from '../domain/errors.js';
import { nameMaxLength, namePattern } from '../domain/names.js';
import { orgKeyPattern, projectKeyPattern } from '../domain/organizations.js';
import { defaultPageLimit, maxPageLimit } from '../domain/pagination.js';
import { passwordMaxLength, passwordMinLength } from '../domain/passwords.js';

// The wire contract: the TypeBox schema of every request and response. The HTTP layer
// validates and serializes with these, the OpenAPI document is generated from them, and
// services, the CLI and the web UI take their types from them (Static<>), so the shape of an
// answer is written once. Every request object refuses unknown properties.

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ enum: Object.keys(errorCatalogue) }),
      message: Type.String(),
      requestId: Type.String(),
      field: Type.Optional(Type.String({ description: 'The request field at fault' })),
    }),
  },
  { description: 'Every error answer has this shape' },
);

export const Timestamp = Type.String({ format: 'date-time' });
export const Id = Type.String({ format: 'uuid' });

// Printable text: no control characters, no bidirectional overrides (they make text read
// differently than it is stored), no lone UTF-16 surrogates (ajv compiles patterns with the
// `u` flag, where a surrogate range matches only unpaired ones).
const refused = '\\u007f\\u202a-\\u202e\\u2066-\\u2069\\ud800-\\udfff';
const printable = `[^\\u0000-\\u001f${refused}]`;

/** A name: 1 to 100 characters, none invisible or a control, not only spaces. */
export const Name = Type.String({ minLength: 1, maxLength: nameMaxLength, pattern: namePattern });
export const Email = Type.String({ format: 'email', maxLength: 254 });

/** Printable text to search or filter by (no control characters, which no stored value has). */
export function SearchText(maxLength: number) {
  return Type.String({ minLength: 1, maxLength, pattern: `^${printable}+$` });
}
export const Password = Type.String({ minLength: passwordMinLength, maxLength: passwordMaxLength });
export const OrgKey = Type.String({ pattern: orgKeyPattern, maxLength: 39 });
export const ProjectKey = Type.String({ pattern: projectKeyPattern, maxLength: 100 });

/** Path parameters of the routes under /orgs/{org} and /orgs/{org}/projects/{projectKey}. */
export const OrgParams = Strict({ org: OrgKey });
export const ProjectParams = Strict({ org: OrgKey, projectKey: ProjectKey });

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: maxPageLimit, default: defaultPageLimit }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** The page parameters and a list's own filters, as one query string that refuses others. */
export function PageQueryWith<T extends TProperties>(filters: T) {
  return Type.Composite([PageQuery, Type.Object(filters)], { additionalProperties: false });
}

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}

/** `schema` or null. */
export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Union([schema, Type.Null()], options);

/** Free text: up to 500 characters, line breaks and tabs allowed, other control characters not. */
export const Description = Type.String({
  maxLength: 500,
  pattern: `^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f${refused}]*$`,
});
