import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnalysisRow,
  findAnalysis,
  findProjectWithGate,
  insertAnalysisAtOnce,
} from '../../src/store/analyses.js';
import { auditEventRow } from '../../src/store/audit.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { preparedOnPostgres } from '../../src/store/prepared-statements.js';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';

describe('prepared statements', () => {
  it('refuses to prepare a text that selects *: its kept plan would break when a column is added', () => {
    for (const text of ['select * from projects', 'select "projects".*, 1 from projects']) {
      expect(() => preparedOnPostgres(text)).toThrow(/must not select \*/);
    }
    expect(preparedOnPostgres('select count(*) from projects')).toBe(
      'select count(*) from projects',
    );
  });
});

/** A store on a fresh schema with one connection, so that every statement shares its session. */
async function storeOnOneConnection(preparedStatements: boolean): Promise<Store> {
  const { url } = await freshDatabaseUrl('postgres');
  const store = openStore(url, { maxConnections: 1, preparedStatements });
  await migrateToLatest(store);
  const now = new Date().toISOString();
  await store.db
    .insertInto('orgs')
    .values({ id: 'org', key: 'org', name: 'Org', plan: 'team', created_at: now, updated_at: now })
    .execute();
  await store.db
    .insertInto('projects')
    .values({ id: 'p', org_id: 'org', key: 'p', name: 'P', created_at: now, updated_at: now })
    .execute();
  return store;
}

/** The statements this session has prepared by name. */
async function preparedInSession(store: Store): Promise<string[]> {
  const { rows } = await sql<{
    statement: string;
  }>`select statement from pg_prepared_statements where name like 'ot\\_%' order by statement`.execute(
    store.db,
  );
  return rows.map((row) => row.statement);
}

function smallUpload(id: string) {
  const analysis: AnalysisRow = {
    id,
    project_id: 'p',
    created_at: new Date().toISOString(),
    format: 'sarif',
    tools: '["tool"]',
    branch: null,
    commit_sha: null,
    errors: 1,
    warnings: 0,
    notes: 0,
    gate_status: 'OK',
    gate_conditions: '[]',
    submitted_by_type: 'user',
    submitted_by_id: 'u',
    submitted_by_name: 'U',
    ci_context: null,
  };
  const issues = [{ tool: 'tool', rule: 'r', level: 'error', message: 'm', file: 'f', line: 1 }];
  const event = auditEventRow({
    orgId: 'org',
    at: analysis.created_at,
    action: 'analysis.created',
    actor: { type: 'user', id: 'u', name: 'U' },
    target: { type: 'project', id: 'p', name: 'P' },
    meta: { ip: '192.0.2.1', userAgent: null },
    details: { analysisId: id },
  });
  return { analysis, issues, event } as const;
}

describe.skipIf(!testDatabaseUrl)('prepared statements [postgres]', () => {
  let named: Store;
  let unnamed: Store;

  beforeAll(async () => {
    named = await storeOnOneConnection(true);
    unnamed = await storeOnOneConnection(false);
  });
  afterAll(async () => {
    await named?.close();
    await unnamed?.close();
  });

  it("prepares an upload's read and write once per connection, by name", async () => {
    for (const id of ['a1', 'a2']) {
      expect((await findProjectWithGate(named.db, 'org', 'p'))?.project.id).toBe('p');
      await insertAnalysisAtOnce(named.db, smallUpload(id));
      expect((await findAnalysis(named.db, 'p', id))?.id).toBe(id);
    }
    const statements = await preparedInSession(named);
    expect(statements.filter((text) => text.includes('from "projects"'))).toHaveLength(1);
    expect(statements.filter((text) => text.startsWith('with "analysis" as'))).toHaveLength(1);
  });

  it('prepares nothing when told not to (a pooler that does not keep named statements)', async () => {
    expect((await findProjectWithGate(unnamed.db, 'org', 'p'))?.project.id).toBe('p');
    await insertAnalysisAtOnce(unnamed.db, smallUpload('b1'));
    expect(await preparedInSession(unnamed)).toEqual([]);
  });

  it('still reads a project after a migration adds a column to its table (a rolling upgrade)', async () => {
    expect((await findProjectWithGate(named.db, 'org', 'p'))?.project.id).toBe('p');
    await sql`alter table projects add column added_later text`.execute(named.db);
    const found = await findProjectWithGate(named.db, 'org', 'p');
    expect(found?.project).toEqual(expect.objectContaining({ id: 'p', key: 'p', name: 'P' }));
    expect(found?.project).not.toHaveProperty('added_later');
  });
});
