/** Every action the audit logs record (the UI offers them as filters). */
export const auditActions = [
  'member.added',
  'member.role_changed',
  'member.removed',
  'project.created',
  'project.updated',
  'project.deleted',
  'org.created',
  'org.updated',
  'plan.changed',
  'token.created',
  'token.updated',
  'token.rotated',
  'token.revoked',
  'token.auth_denied',
  'token.superseded_secret_used',
  'token.grace_ended',
  'policy.updated',
  'notifications.updated',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'trust_policy.created',
  'trust_policy.updated',
  'trust_policy.deleted',
  'token.exchanged',
  'token.leaked',
  'analysis.created',
  'quality_gate.updated',
  'user.created',
  'user.deactivated',
  'user.activated',
  'user.instance_admin_granted',
  'user.instance_admin_revoked',
] as const;
export type AuditAction = (typeof auditActions)[number];

/**
 * The actions of the instance's audit log: user administration, organizations created and
 * plans changed (also in the organization's log), and denied personal access tokens, which
 * belong to no organization.
 */
export const instanceAuditActions = [
  'user.created',
  'user.deactivated',
  'user.activated',
  'user.instance_admin_granted',
  'user.instance_admin_revoked',
  'org.created',
  'plan.changed',
  'token.auth_denied',
] as const satisfies readonly AuditAction[];

/** The actions of an organization's audit log. */
export const orgAuditActions = auditActions.filter((action) => !action.startsWith('user.'));
