import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { type ErrorCode, errorCatalogue } from '../domain/errors.js';
import { nameMaxLength, namePattern } from '../domain/names.js';
import { orgKeyPattern, plans, projectKeyPattern, roles } from '../domain/organizations.js';
import { defaultPageLimit, maxPageLimit } from '../domain/pagination.js';
import { passwordMaxLength, passwordMinLength } from '../domain/passwords.js';
import { permissions } from '../domain/permissions.js';
import { projectPatternPattern } from '../domain/project-scope.js';
import { issueLevels } from '../domain/reports/report.js';
import { tokenStatuses } from '../domain/token-status.js';

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

export const PermissionSchema = Type.Union(permissions.map((p) => Type.Literal(p)));

const AllProjects = Type.Object({ mode: Type.Literal('all') }, { additionalProperties: false });
const SelectedProjects = Type.Object(
  {
    mode: Type.Literal('selected'),
    // Optional here (ajv applies no defaults inside oneOf); checkScope fills in [].
    keys: Type.Optional(Type.Array(ProjectKey, { maxItems: 1000 })),
    patterns: Type.Optional(
      Type.Array(Type.String({ pattern: projectPatternPattern, maxLength: 100 }), {
        maxItems: 100,
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * `{mode: "all"}` or `{mode: "selected", keys, patterns}`. The discriminator makes ajv check
 * only the branch `mode` names, so an error points at the real field.
 */
export const ProjectScopeSchema = Type.Unsafe<
  Static<typeof AllProjects> | Static<typeof SelectedProjects>
>({
  type: 'object',
  required: ['mode'],
  discriminator: { propertyName: 'mode' },
  oneOf: [AllProjects, SelectedProjects],
});

/** Free text: up to 500 characters, line breaks and tabs allowed, other control characters not. */
export const Description = Type.String({
  maxLength: 500,
  pattern: `^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f${refused}]*$`,
});

export const TokenStatusSchema = Type.Union(tokenStatuses.map((s) => Type.Literal(s)));
/** `schema` or null. */
export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Union([schema, Type.Null()], options);
const PersonRef = Nullable(Type.Object({ id: Type.String(), name: Type.String() }));

export const OrgTokenSchema = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String(),
  hint: Type.String({ description: 'Prefix and first 4 random characters of the secret' }),
  status: TokenStatusSchema,
  permissions: Type.Array(PermissionSchema),
  projects: ProjectScopeSchema,
  expiresAt: Nullable(Timestamp),
  allowedCidrs: Type.Array(Type.String()),
  createdAt: Timestamp,
  createdBy: PersonRef,
  lastUsedAt: Nullable(Timestamp),
  lastUsedIp: Nullable(Type.String()),
  lastUsedUserAgent: Nullable(Type.String()),
  revokedAt: Nullable(Timestamp),
  revokedBy: PersonRef,
  rotatedAt: Nullable(Timestamp),
  dailyUsage: Type.Array(Type.Integer(), {
    description: 'Uses per day, last 30 days, oldest first',
  }),
});

/** A token with its secret: only in the answers to create and rotate. */
export function WithSecret<T extends TProperties>(schema: TObject<T>) {
  return Type.Object({
    ...schema.properties,
    token: Type.String({ description: 'The secret. Shown once: store it securely.' }),
  });
}

export const PersonalTokenSchema = Type.Object({
  id: Id,
  name: Type.String(),
  hint: Type.String(),
  status: TokenStatusSchema,
  permissions: Nullable(Type.Array(PermissionSchema), {
    description: "The permissions it is narrowed to; null: all of its user's rights",
  }),
  org: Nullable(Type.String(), {
    description: "The one organization it may act in; null: any of its user's",
  }),
  projects: Nullable(ProjectScopeSchema, {
    description: 'Its project scope within org; null when not narrowed to an organization',
  }),
  expiresAt: Nullable(Timestamp),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  lastUsedIp: Nullable(Type.String()),
  lastUsedUserAgent: Nullable(Type.String()),
  revokedAt: Nullable(Timestamp),
});

export const TokenPolicySchema = Type.Object(
  {
    maxLifetimeDays: Nullable(Type.Integer({ minimum: 1, maximum: 3650 })),
    requireExpiry: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const IssueLevelSchema = Type.Union(issueLevels.map((level) => Type.Literal(level)));

export const AnalysisSchema = Type.Object({
  id: Id,
  projectKey: Type.String(),
  createdAt: Timestamp,
  branch: Nullable(Type.String()),
  commit: Nullable(Type.String()),
  format: Type.Union([Type.Literal('sarif'), Type.Literal('generic')]),
  tools: Type.Array(Type.String()),
  summary: Type.Object({
    errors: Type.Integer(),
    warnings: Type.Integer(),
    notes: Type.Integer(),
    total: Type.Integer(),
  }),
  qualityGate: Type.Object({
    status: Type.Union([Type.Literal('passed'), Type.Literal('failed')]),
    conditions: Type.Array(
      Type.Object({
        metric: Type.Union([Type.Literal('errors'), Type.Literal('warnings')]),
        threshold: Type.Integer(),
        actual: Type.Integer(),
        passed: Type.Boolean(),
      }),
    ),
  }),
  submittedBy: Type.Object({ type: Type.String(), id: Type.String(), name: Type.String() }),
});

export const IssueSchema = Type.Object({
  id: Type.Integer({ description: 'Position in the report' }),
  tool: Type.String(),
  rule: Type.String(),
  level: IssueLevelSchema,
  message: Type.String(),
  file: Nullable(Type.String()),
  line: Nullable(Type.Integer()),
});

export const QualityGateSchema = Type.Object(
  {
    maxErrors: Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    maxWarnings: Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);
