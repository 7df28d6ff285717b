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

export interface Database {
  users: UsersTable;
  orgs: OrgsTable;
  memberships: MembershipsTable;
  projects: ProjectsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
}
