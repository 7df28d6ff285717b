import { type Static, Type } from '@sinclair/typebox';
import { plans, roles } from '../domain/organizations.js';
import { Id, Name, OrgKey, Strict, Timestamp } from './common.js';

export const PlanSchema = Type.Union(plans.map((p) => Type.Literal(p)));
export const RoleSchema = Type.Union(roles.map((r) => Type.Literal(r)));

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
