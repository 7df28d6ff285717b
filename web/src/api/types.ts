/**
 * The API's shapes, taken from the server's own TypeBox schemas (type-only imports: nothing
 * of the server reaches the bundle), so the UI cannot drift from the API.
 */
import type { Static } from '@sinclair/typebox';
import type {
  AnalysisSchema,
  AuditEventSchema,
  IssueSchema,
  MemberSchema,
  OrganizationSchema,
  OrgTokenSchema,
  PersonalTokenSchema,
  ProjectSchema,
  QualityGateSchema,
  TokenPolicySchema,
  UserSchema,
} from '../../../src/http/schemas.js';

export type User = Static<typeof UserSchema>;
export type Organization = Static<typeof OrganizationSchema>;
export type Member = Static<typeof MemberSchema>;
export type Project = Static<typeof ProjectSchema>;
export type AuditEvent = Static<typeof AuditEventSchema>;
export type OrgToken = Static<typeof OrgTokenSchema>;
export type PersonalToken = Static<typeof PersonalTokenSchema>;
export type TokenPolicy = Static<typeof TokenPolicySchema>;
export type TokenStatus = OrgToken['status'];
export type Permission = OrgToken['permissions'][number];
export type ProjectScope = OrgToken['projects'];
export type WithSecret<T> = T & { token: string };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export type QualityGate = Static<typeof QualityGateSchema>;
export type Analysis = Static<typeof AnalysisSchema>;
export type AnalysisIssue = Static<typeof IssueSchema>;
