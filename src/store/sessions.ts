import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from './schema.js';
import type { UserRow } from './users.js';

export type SessionRow = Selectable<SessionsTable>;

export function insertSession(db: Kysely<Database>, row: SessionRow): Promise<unknown> {
  return db.insertInto('sessions').values(row).execute();
}

/** What authenticating a session cookie needs: the session's times and its user. */
export interface SessionWithUser {
  session: Pick<SessionRow, 'id' | 'csrf_token' | 'created_at' | 'last_seen_at' | 'expires_at'>;
  user: UserRow;
}

/** The session with this digest and its user, in one query. */
export async function findSessionWithUser(
  db: Kysely<Database>,
  id: string,
): Promise<SessionWithUser | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select([
      'sessions.csrf_token as session_csrf_token',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at as session_last_seen_at',
      'sessions.expires_at as session_expires_at',
    ])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const {
    session_csrf_token,
    session_created_at,
    session_last_seen_at,
    session_expires_at,
    ...user
  } = row;
  return {
    session: {
      id,
      csrf_token: session_csrf_token,
      created_at: session_created_at,
      last_seen_at: session_last_seen_at,
      expires_at: session_expires_at,
    },
    user,
  };
}

export function touchSession(db: Kysely<Database>, id: string, at: string): Promise<unknown> {
  return db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export function deleteSession(db: Kysely<Database>, id: string): Promise<unknown> {
  return db.deleteFrom('sessions').where('id', '=', id).execute();
}

export function deleteSessionsOfUser(db: Kysely<Database>, userId: string): Promise<unknown> {
  return db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Removes sessions past their absolute expiry or idle since before `idleBefore`. */
export function deleteExpiredSessions(
  db: Kysely<Database>,
  now: string,
  idleBefore: string,
): Promise<unknown> {
  return db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleBefore)]))
    .execute();
}
