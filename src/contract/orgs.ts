import { type Static, Type } from '@sinclair/typebox';
import { plans, roles } from '../domain/organizations.js';
import { Email, Id, Name, OrgKey, Strict, Timestamp } from './common.js';

export const PlanSchema = Type.Union(plans.map((p) => Type.Literal(p)));
export const RoleSchema = Type.Union(roles.map((r) => Type.Literal(r)));

const PlanFeatureSchema = Type.Object({
  included: Type.Boolean({ description: "Whether the organization's plan includes it" }),
  plan: Type.Union(
    plans.map((p) => Type.Literal(p)),
    { description: 'The least plan that includes it' },
  ),
  message: Type.String({ description: 'The PLAN_REQUIRED message, naming that plan' }),
});

/**
 * What the organization's plan includes, so that a client shows a feature's gate before a
 * person fills in a form it would refuse, and names the plan that restores a suspended token.
 */
export const PlanFeaturesSchema = Type.Object({
  organizationTokens: PlanFeatureSchema,
  notifications: PlanFeatureSchema,
  tokenPolicy: PlanFeatureSchema,
  ipAllowlist: PlanFeatureSchema,
  auditExport: PlanFeatureSchema,
  workloadIdentity: PlanFeatureSchema,
});

export const OrganizationSchema = Type.Object({
  id: Id,
  key: Type.String(),
  name: Type.String(),
  plan: PlanSchema,
  features: PlanFeaturesSchema,
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
export type Organization = Static<typeof OrganizationSchema>;
export type Member = Static<typeof MemberSchema>;

export const NewOrgBody = Strict({ key: OrgKey, name: Name, plan: PlanSchema });
export type NewOrg = Static<typeof NewOrgBody>;

/** A new name (org admins) or plan (instance admins); at least one is given. */
export const OrgChangeBody = Type.Object(
  { name: Type.Optional(Name), plan: Type.Optional(PlanSchema) },
  { additionalProperties: false, minProperties: 1 },
);
export type OrgChange = Static<typeof OrgChangeBody>;

export const MemberParams = Strict({ org: OrgKey, userId: Id });
export const MemberBody = Strict({ role: RoleSchema });

/** An existing, active user to add, by email (compared case-insensitively), with a role. */
export const NewMemberBody = Strict({ email: Email, role: RoleSchema });
export type NewMember = Static<typeof NewMemberBody>;
