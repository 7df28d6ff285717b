import { type TSchema, Type } from '@sinclair/typebox';
import { type ErrorCode, errorCatalogue } from '../domain/errors.js';
import { orgKeyPattern, plans, projectKeyPattern, roles } from '../domain/organizations.js';
import { defaultPageLimit, maxPageLimit } from '../domain/pagination.js';
import { passwordMaxLength, passwordMinLength } from '../domain/passwords.js';

// Shared TypeBox schemas: validation, serialization and the OpenAPI document all come from
// these. Every object refuses unknown properties.

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

/** Response schemas for the error statuses a route can answer, plus the ones any route can. */
export function errors(...codes: ErrorCode[]): Record<number, TSchema> {
  const statuses = new Set<number>([400, 500, 503]);
  for (const code of codes) statuses.add(errorCatalogue[code].status);
  return Object.fromEntries([...statuses].map((status) => [status, ErrorBody]));
}

/** The statuses of a route that needs a signed-in caller. */
export const authErrors: ErrorCode[] = ['AUTH_REQUIRED', 'CSRF_FAILED'];

export const Timestamp = Type.String({ format: 'date-time' });
export const Id = Type.String({ format: 'uuid' });

// Printable text: no control characters, no lone UTF-16 surrogates (ajv compiles patterns
// with the `u` flag, where a surrogate range matches only unpaired ones).
const printable = '[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]';

/** A display name: 1 to 100 printable characters, not only spaces. */
export const Name = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: `^${printable}*[^\\s\\u0000-\\u001f\\u007f\\ud800-\\udfff]${printable}*$`,
});
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: passwordMinLength, maxLength: passwordMaxLength });
export const OrgKey = Type.String({ pattern: orgKeyPattern, maxLength: 39 });
export const ProjectKey = Type.String({ pattern: projectKeyPattern, maxLength: 100 });
export const PlanSchema = Type.Union(plans.map((p) => Type.Literal(p)));
export const RoleSchema = Type.Union(roles.map((r) => Type.Literal(r)));

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: maxPageLimit, default: defaultPageLimit }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}

export const UserSchema = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  instanceAdmin: Type.Boolean(),
  active: Type.Boolean(),
  createdAt: Timestamp,
});

export const OrganizationSchema = Type.Object({
  id: Id,
  key: Type.String(),
  name: Type.String(),
  plan: PlanSchema,
  createdAt: Timestamp,
  role: Type.Union([RoleSchema, Type.Null()], {
    description: "The caller's role; null for an instance admin who is not a member",
  }),
});

export const MemberSchema = Type.Object({
  userId: Id,
  email: Type.String(),
  name: Type.String(),
  active: Type.Boolean(),
  role: RoleSchema,
  addedAt: Timestamp,
});

export const ProjectSchema = Type.Object({
  id: Id,
  key: Type.String(),
  name: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Party = Type.Object({
  type: Type.String(),
  id: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
});

export const AuditEventSchema = Type.Object({
  id: Id,
  at: Timestamp,
  action: Type.String(),
  actor: Party,
  target: Party,
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
