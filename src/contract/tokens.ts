import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { permissions, personalTokenPermissions } from '../domain/permissions.js';
import { projectPatternPattern } from '../domain/project-scope.js';
import { tokenStatuses } from '../domain/token-status.js';
import {
  Description,
  Id,
  Name,
  Nullable,
  OrgKey,
  PageQueryWith,
  ProjectKey,
  SearchText,
  Strict,
  Timestamp,
} from './common.js';

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

/** A project scope as answers show it: a selected scope always lists its keys and patterns. */
export const ProjectScopeAnswer = Type.Union([
  Type.Object({ mode: Type.Literal('all') }),
  Type.Object({
    mode: Type.Literal('selected'),
    keys: Type.Array(Type.String()),
    patterns: Type.Array(Type.String()),
  }),
]);

export const TokenStatusSchema = Type.Union(
  tokenStatuses.map((s) => Type.Literal(s)),
  {
    description:
      "Derived at read time, the first that applies of: revoked, expired, suspended (an organization token whose organization's plan no longer includes organization tokens; never a personal access token), expiring (within 7 days), active",
  },
);
const PersonRef = Nullable(Type.Object({ id: Type.String(), name: Type.String() }));

export const OrgTokenSchema = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String(),
  hint: Type.String({ description: 'Prefix and first 4 random characters of the secret' }),
  status: TokenStatusSchema,
  permissions: Type.Array(PermissionSchema),
  projects: ProjectScopeAnswer,
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
  leakedAt: Nullable(Timestamp, { description: 'When it was first reported as leaked' }),
  leak: Nullable(
    Type.Object({
      source: Type.String({
        description: 'github (secret scanning) or public (credentials/revoke)',
      }),
      url: Nullable(Type.String({ description: 'Where it was found, when the report said' })),
    }),
  ),
  stale: Type.Boolean({
    description:
      "Unused (since its last use, or its creation) for the organization's staleAfterDays; it keeps working",
  }),
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
  projects: Nullable(ProjectScopeAnswer, {
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

export type OrgToken = Static<typeof OrgTokenSchema>;
export type PersonalToken = Static<typeof PersonalTokenSchema>;
export type TokenPolicy = Static<typeof TokenPolicySchema>;

export const TokenParams = Strict({ org: OrgKey, tokenId: Id });
export const Permissions = Type.Array(PermissionSchema, {
  minItems: 1,
  maxItems: 20,
  uniqueItems: true,
});
const Cidrs = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 });

export const OrgTokenListQuery = PageQueryWith({
  status: Type.Optional(TokenStatusSchema),
  q: Type.Optional(SearchText(100)),
  stale: Type.Optional(Type.Boolean({ description: 'Only stale tokens (true) or only others' })),
  expiringWithinDays: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 3650,
      description: 'Only unrevoked tokens whose expiry is in the future and within this many days',
    }),
  ),
});

export const NewOrgTokenBody = Strict({
  name: Name,
  description: Type.Optional(Description),
  permissions: Permissions,
  projects: ProjectScopeSchema,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  allowedCidrs: Type.Optional(Cidrs),
});
export type NewOrgToken = Static<typeof NewOrgTokenBody>;

/** Name, description, permissions, project scope or allowlist; never the expiry. */
export const OrgTokenChangeBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    permissions: Type.Optional(Permissions),
    projects: Type.Optional(ProjectScopeSchema),
    allowedCidrs: Type.Optional(Cidrs),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type OrgTokenChange = Static<typeof OrgTokenChangeBody>;

export const RotationBody = Strict({
  expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  gracePeriodSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 604800,
      description:
        'How long the previous secret stays valid: up to 86400 s, or up to 604800 s with graceUntilFirstUse',
    }),
  ),
  graceUntilFirstUse: Type.Optional(
    Type.Boolean({
      description:
        'The previous secret also ends at the first successful use of the new one (whichever comes first)',
    }),
  ),
});
export type Rotation = Static<typeof RotationBody>;

export const NewPersonalTokenBody = Strict({
  name: Name,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  permissions: Type.Optional(
    Type.Array(Type.Union(personalTokenPermissions.map((p) => Type.Literal(p))), {
      minItems: 1,
      maxItems: personalTokenPermissions.length,
      uniqueItems: true,
    }),
  ),
  org: Type.Optional(OrgKey),
  projects: Type.Optional(ProjectScopeSchema),
});
export type NewPersonalToken = Static<typeof NewPersonalTokenBody>;

export const PersonalTokenParams = Strict({ tokenId: Id });
