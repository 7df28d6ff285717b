import type { Generated } from 'kysely';

/**
 * Row types as both engines store them. Times are fixed-width ISO-8601 UTC text
 * (`2026-11-29T04:06:46.123Z`), so they compare and sort the same way in SQLite and
 * PostgreSQL; flags are 0/1 integers for the same reason.
 */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  instance_admin: number;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface OrgsTable {
  id: string;
  key: string;
  name: string;
  plan: string;
  /** 'revoke' (default) or 'notify': what a leak report does to the organization's tokens. */
  leak_response: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface ProjectsTable {
  id: string;
  org_id: string;
  key: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value, hex; the cookie itself is never stored. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEventsTable {
  id: string;
  org_id: string | null;
  at: string;
  action: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  target_type: string;
  target_id: string | null;
  target_name: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON object. */
  details: string;
}

export interface TokensTable {
  id: string;
  /** 'organization' or 'personal'. */
  kind: string;
  org_id: string | null;
  user_id: string | null;
  name: string;
  description: string;
  /**
   * JSON array of permission names. For a personal access token, the permissions it is
   * narrowed to; empty means all of its user's rights.
   */
  permissions: string;
  /** JSON project scope (of a personal access token: within scope_org_id). */
  projects: string;
  /** The one organization a narrowed personal access token may act in; null: any of its user's. */
  scope_org_id: string | null;
  /** JSON array of CIDRs; empty means any address. */
  allowed_cidrs: string;
  /** SHA-256 of the secret, hex. */
  digest: string;
  hint: string;
  /** The secret replaced by the last rotation, valid until previous_valid_until. */
  previous_digest: string | null;
  previous_valid_until: string | null;
  expires_at: string | null;
  created_at: string;
  created_by: string | null;
  created_by_name: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  last_used_user_agent: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  revoked_by_name: string | null;
  rotated_at: string | null;
  /** When the expiry scan next looks at the token (null: nothing left to send). */
  expiry_notice_at: string | null;
  /** The smallest expiry threshold (days) already sent since the expiry was set. */
  expiry_notice_days: number | null;
  /** When token.stale was sent for the current unused period; a use clears it. */
  stale_noticed_at: string | null;
  /** 1: the previous secret also ends at the first successful use of the current one. */
  previous_until_first_use: number;
  /** The trust policy an ephemeral (ote_) token was minted under; null once it is deleted. */
  policy_id: string | null;
  /** JSON: what the CI's identity said of the run an ephemeral token was minted for. */
  ci_context: string | null;
  /** When the token was first reported as leaked, by whom (github, public) and where. */
  leaked_at: string | null;
  leak_source: string | null;
  leak_url: string | null;
}

export interface TokenUsageDailyTable {
  token_id: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  count: number;
}

export interface TokenPoliciesTable {
  org_id: string;
  max_lifetime_days: number | null;
  require_expiry: number;
  updated_at: string;
}

export interface QualityGatesTable {
  project_id: string;
  max_errors: number | null;
  max_warnings: number | null;
  updated_at: string;
}

export interface AnalysesTable {
  id: string;
  project_id: string;
  created_at: string;
  format: string;
  /** JSON array of the tool names in the report. */
  tools: string;
  branch: string | null;
  commit_sha: string | null;
  errors: number;
  warnings: number;
  notes: number;
  gate_status: string;
  /** JSON array of evaluated conditions. */
  gate_conditions: string;
  submitted_by_type: string;
  submitted_by_id: string;
  submitted_by_name: string;
  /** JSON: the policy and CI run of an upload made with an ephemeral (ote_) token. */
  ci_context: string | null;
}

export interface AnalysisIssuesTable {
  analysis_id: string;
  /** Position in the report, for stable paging. */
  seq: number;
  tool: string;
  rule: string;
  level: string;
  message: string;
  file: string | null;
  line: number | null;
}

export interface NotificationSettingsTable {
  org_id: string;
  /** JSON array of days, descending. */
  expiry_warning_days: string;
  stale_after_days: number | null;
  email_admins: number;
  updated_at: string;
}

export interface WebhooksTable {
  id: string;
  org_id: string;
  url: string;
  /** JSON array of event types, or ["*"]. */
  events: string;
  description: string;
  /** The signing secret (whsec_...): the server must sign with it, so it is kept as is. */
  secret: string;
  active: number;
  created_at: string;
  created_by: string | null;
  created_by_name: string | null;
  updated_at: string;
}

export interface OutboxEventsTable {
  /** msg_...: the webhook-id of every delivery of it. */
  id: string;
  org_id: string;
  type: string;
  token_id: string | null;
  /** JSON: the body every receiver gets. */
  body: string;
  created_at: string;
}

export interface OutboxDeliveriesTable {
  id: string;
  event_id: string;
  org_id: string;
  /** 'webhook' or 'email'. */
  channel: string;
  webhook_id: string | null;
  /** The email address, for the email channel. */
  recipient: string | null;
  /** 'pending', 'delivered' or 'failed'. */
  status: string;
  attempts: number;
  /** When a pending delivery is due; a claim moves it forward by the lease. */
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  response_status: number | null;
  error: string | null;
  duration_ms: number | null;
  created_at: string;
}

export interface SupersededSecretsTable {
  /** SHA-256 of a secret a rotation replaced, hex. */
  digest: string;
  token_id: string;
  superseded_at: string;
  /** When its last use was recorded (sampled). */
  noticed_at: string | null;
}

export interface TrustPoliciesTable {
  id: string;
  org_id: string;
  name: string;
  /** Compared exactly with a JWT's iss. */
  issuer: string;
  audience: string;
  /** JSON object: claim name → exact value or * glob. */
  claims: string;
  /** JSON array of the permissions its tokens get. */
  permissions: string;
  /** JSON project scope of its tokens. */
  projects: string;
  ttl_seconds: number;
  created_at: string;
  created_by: string | null;
  created_by_name: string | null;
  updated_at: string;
}

export interface OidcReplayTable {
  issuer: string;
  jti: string;
  /** The JWT's expiry: its id is kept until then. */
  expires_at: string;
}

export interface Database {
  users: UsersTable;
  orgs: OrgsTable;
  memberships: MembershipsTable;
  projects: ProjectsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  tokens: TokensTable;
  token_usage_daily: TokenUsageDailyTable;
  token_policies: TokenPoliciesTable;
  quality_gates: QualityGatesTable;
  analyses: AnalysesTable;
  analysis_issues: AnalysisIssuesTable;
  notification_settings: NotificationSettingsTable;
  webhooks: WebhooksTable;
  outbox_events: OutboxEventsTable;
  outbox_deliveries: OutboxDeliveriesTable;
  superseded_secrets: SupersededSecretsTable;
  trust_policies: TrustPoliciesTable;
  oidc_replay: OidcReplayTable;
}
