import { describe, expect, it } from 'vitest';
import { translateStoreError, violatedConstraint } from '../../src/store/errors.js';

describe('store error translation', () => {
  it('names the violated constraint from PostgreSQL and from SQLite alike', () => {
    expect(violatedConstraint({ code: '23505', constraint: 'uq_orgs_key' })).toBe('uq_orgs_key');
    expect(
      violatedConstraint({
        code: 'SQLITE_CONSTRAINT_UNIQUE',
        message: 'UNIQUE constraint failed: projects.org_id, projects.key',
      }),
    ).toBe('uq_projects_org_id_key');
    expect(
      violatedConstraint({
        code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
        message: 'UNIQUE constraint failed: memberships.org_id, memberships.user_id',
      }),
    ).toBe('pk_memberships');
  });

  it('turns unique violations into CONFLICT and lost connections into STORE_UNAVAILABLE', () => {
    expect(translateStoreError({ code: '23505', constraint: 'uq_users_email' })?.code).toBe(
      'CONFLICT',
    );
    for (const error of [
      { code: 'ECONNREFUSED' },
      { code: '57P01' },
      { code: '08006' },
      { message: 'Connection terminated unexpectedly' },
      { code: 'SQLITE_BUSY' },
      { code: 'SQLITE_IOERR_WRITE' },
      { code: '3D000' },
      { code: '55000', message: 'database "x" is not currently accepting connections' },
      { code: 'SQLITE_BUSY_SNAPSHOT' },
    ]) {
      expect(translateStoreError(error)?.code, JSON.stringify(error)).toBe('STORE_UNAVAILABLE');
    }
  });

  it('turns a foreign-key violation from a concurrent delete into CONFLICT', () => {
    for (const code of ['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY']) {
      expect(translateStoreError({ code })?.code).toBe('CONFLICT');
    }
  });

  it('leaves anything else unknown, to become INTERNAL', () => {
    expect(translateStoreError(new TypeError('bug'))).toBeNull();
    expect(translateStoreError({ code: '42P01' })).toBeNull();
    expect(translateStoreError({ code: 'SQLITE_ERROR' })).toBeNull();
    expect(translateStoreError({ code: '55000', message: 'lock not available' })).toBeNull();
    expect(translateStoreError(null)).toBeNull();
  });
});
