/** Every action the audit log records (the UI offers them as filters). */
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
  'policy.updated',
  'analysis.created',
  'quality_gate.updated',
] as const;
export type AuditAction = (typeof auditActions)[number];
