import { type Static, Type } from '@sinclair/typebox';
import { Id, Name, Nullable, OrgKey, PageQuery, SearchText, Strict, Timestamp } from './common.js';
import {
  PermissionSchema,
  Permissions,
  ProjectScopeAnswer,
  ProjectScopeSchema,
  TokenStatusSchema,
} from './tokens.js';

// Printable text only: an issuer or audience is compared exactly, and shown.
const Url = SearchText(500);
const Audience = SearchText(500);
const Claims = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String(), {
  minProperties: 1,
  maxProperties: 20,
  description:
    'Claim name → the exact value it must have, or a pattern where * matches any run of characters (case-sensitive). Prefer immutable ids (repository_owner_id, project_id).',
});
const TtlSeconds = Type.Integer({ minimum: 60, maximum: 3600 });

export const TrustPolicySchema = Type.Object({
  id: Id,
  name: Type.String(),
  issuer: Type.String(),
  audience: Type.String(),
  claims: Type.Record(Type.String(), Type.String()),
  permissions: Type.Array(PermissionSchema),
  projects: ProjectScopeAnswer,
  ttlSeconds: Type.Integer({ description: 'Lifetime of the ote_ tokens it mints' }),
  advice: Type.Array(Type.String(), {
    description: 'What would make the policy safer, e.g. a mutable name matched where an id exists',
  }),
  createdAt: Timestamp,
  createdBy: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  updatedAt: Timestamp,
});
export type TrustPolicy = Static<typeof TrustPolicySchema>;

export const TrustPolicyParams = Strict({ org: OrgKey, policyId: Id });
export const ExchangeParams = Strict({ org: OrgKey, policyId: Id, tokenId: Id });

export const NewTrustPolicyBody = Strict({
  name: Name,
  issuer: Url,
  audience: Audience,
  claims: Claims,
  permissions: Permissions,
  projects: ProjectScopeSchema,
  ttlSeconds: Type.Optional(TtlSeconds),
});
export type NewTrustPolicy = Static<typeof NewTrustPolicyBody>;

export const TrustPolicyChangeBody = Type.Object(
  {
    name: Type.Optional(Name),
    issuer: Type.Optional(Url),
    audience: Type.Optional(Audience),
    claims: Type.Optional(Claims),
    permissions: Type.Optional(Permissions),
    projects: Type.Optional(ProjectScopeSchema),
    ttlSeconds: Type.Optional(TtlSeconds),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TrustPolicyChange = Static<typeof TrustPolicyChangeBody>;

// A compact JWT: base64url segments and dots, nothing else.
const Jwt = Type.String({ minLength: 1, maxLength: 16384, pattern: '^[A-Za-z0-9_=.-]+$' });

export const CheckTokenBody = Strict({ token: Jwt });

export const ConditionResultSchema = Type.Object({
  claim: Type.String(),
  expected: Type.String(),
  ok: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: 'missing, not a string, or mismatch' })),
});

export const CheckResultSchema = Type.Object({
  accepted: Type.Boolean({ description: 'Whether an exchange with this token would mint' }),
  verification: Type.Object({
    ok: Type.Boolean(),
    reason: Nullable(Type.String(), {
      description: 'Why the signature, issuer, audience or times fail',
    }),
  }),
  conditions: Type.Array(ConditionResultSchema),
});
export type CheckResult = Static<typeof CheckResultSchema>;

export const ExchangeSchema = Type.Object({
  id: Id,
  hint: Type.String(),
  status: TokenStatusSchema,
  subject: Type.String(),
  repository: Nullable(Type.String()),
  ref: Nullable(Type.String()),
  runId: Nullable(Type.String()),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});
export type Exchange = Static<typeof ExchangeSchema>;
export const ExchangeListQuery = PageQuery;

export const ExchangeBody = Strict({
  org: OrgKey,
  token: Jwt,
  policy: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'A policy id or name to use' }),
  ),
});
export type ExchangeRequest = Static<typeof ExchangeBody>;

export const ExchangeAnswer = Type.Object({
  token: Type.String({ description: 'The ote_ secret: shown once, never renewed' }),
  expiresAt: Timestamp,
  policy: Type.Object({ id: Type.String(), name: Type.String() }),
  permissions: Type.Array(PermissionSchema),
  projects: ProjectScopeAnswer,
});
export type ExchangeResult = Static<typeof ExchangeAnswer>;
