/**
 * The API's shapes, taken from the server's wire contract (src/contract/: type-only imports,
 * so nothing of the server reaches the bundle), so the UI cannot drift from the API.
 */
import type { Static } from '@sinclair/typebox';
import type { WebhookWithSecret as WebhookWithSecretSchema } from '../../../src/contract/notifications.js';
import type { Organization } from '../../../src/contract/orgs.js';
import type { ServerInfoSchema } from '../../../src/contract/server-info.js';
import type { NewOrgToken, OrgToken } from '../../../src/contract/tokens.js';

export type {
  Analysis,
  Issue as AnalysisIssue,
  QualityGate,
} from '../../../src/contract/analyses.js';
export type { AuditEvent } from '../../../src/contract/audit.js';
export type {
  Delivery,
  NewWebhook,
  NotificationSettings,
  Webhook,
  WebhookChange,
} from '../../../src/contract/notifications.js';
export type WebhookWithSecret = Static<typeof WebhookWithSecretSchema>;
export type { Member, Organization } from '../../../src/contract/orgs.js';
export type { Project } from '../../../src/contract/projects.js';
export type { Session } from '../../../src/contract/session.js';
export type ServerInfo = Static<typeof ServerInfoSchema>;
export type { OrgToken, PersonalToken, TokenPolicy } from '../../../src/contract/tokens.js';
export type {
  CheckResult,
  Exchange,
  NewTrustPolicy,
  TrustPolicy,
  TrustPolicyChange,
} from '../../../src/contract/trust-policies.js';
export type { User } from '../../../src/contract/users.js';

export type TokenStatus = OrgToken['status'];
export type Plan = Organization['plan'];
export type Permission = OrgToken['permissions'][number];
/** A project scope as requests give it (`keys` and `patterns` may be left out). */
export type ProjectScope = NewOrgToken['projects'];
export type WithSecret<T> = T & { token: string };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
