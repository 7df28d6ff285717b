import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnalysisRow,
  findAnalysis,
  findProjectWithGate,
  insertAnalysis,
  insertAnalysisAtOnce,
  insertIssues,
  listIssues,
} from '../../src/store/analyses.js';
import { auditEventRow, insertAuditEvent } from '../../src/store/audit.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { namingStatements, preparedOnPostgres } from '../../src/store/prepared-statements.js';
import type { Database } from '../../src/store/schema.js';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import { insertOrgRow, insertProjectRow } from '../helpers/store-rows.js';

describe('prepared statements', () => {
  it('refuses to prepare a text that selects *: its kept plan would break when a column is added', () => {
    for (const text of [
      'select * from projects',
      'select "projects".*, 1 from projects',
      'select row_to_json(p.*) from projects p',
    ]) {
      expect(() => preparedOnPostgres(text)).toThrow(/must not select \*/);
    }
    expect(preparedOnPostgres('select count(*) from projects')).toBe(
      'select count(*) from projects',
    );
  });
});

describe('naming statements on a connection', () => {
  it("passes what it does not name through as it came, and pg's answer as pg gives it", () => {
    const calls: unknown[][] = [];
    const answer = { a: 'submittable, such as a cursor' };
    const client = {
      query: (...args: unknown[]) => {
        calls.push(args);
        return answer;
      },
    };
    namingStatements(client as never);
    const submittable = { submit: () => {} };
    expect(client.query(submittable)).toBe(answer);
    expect(client.query('select 1', [])).toBe(answer);
    expect(calls).toEqual([[submittable], ['select 1', []]]);
  });

  it('sends a marked text by name, with its values', async () => {
    const text = preparedOnPostgres('select $1::int as "n" from "projects"');
    const calls: unknown[][] = [];
    const client = {
      query: async (...args: unknown[]) => {
        calls.push(args);
        return { rows: [] };
      },
    };
    namingStatements(client as never);
    await client.query(text, [1]);
    expect(calls).toEqual([
      [{ name: expect.stringMatching(/^ot_[0-9a-f]{32}$/), text, values: [1] }],
    ]);
  });
});

/** A store on a fresh schema with one connection, so that every statement shares its session. */
async function storeOnOneConnection(preparedStatements: boolean): Promise<Store> {
  const { url } = await freshDatabaseUrl('postgres');
  const store = openStore(url, { maxConnections: 1, preparedStatements });
  await migrateToLatest(store);
  await insertOrgRow(store.db, 'org');
  await insertProjectRow(store.db, 'org', 'p');
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

  it("prepares a large upload's statements and the fixed inserts too", async () => {
    const { analysis, issues, event } = smallUpload('large-1');
    await named.db.transaction().execute(async (trx) => {
      await insertAnalysis(trx, analysis);
      await insertIssues(trx, 'postgres', analysis.id, [issues, issues]);
      await insertAuditEvent(trx, event);
    });
    expect(await listIssues(named.db, analysis.id, {}, { limit: 10 })).toHaveLength(2);
    const statements = await preparedInSession(named);
    for (const start of [
      'insert into "analyses"',
      'insert into "analysis_issues"',
      'insert into "audit_events"',
    ]) {
      expect(statements.filter((text) => text.startsWith(start))).toHaveLength(1);
    }
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
    expect(found?.project).toEqual(expect.objectContaining({ id: 'p', key: 'p', name: 'p' }));
    expect(found?.project).not.toHaveProperty('added_later');
  });

  it('prepares a statement again when a migration changes the type of a column it reads', async () => {
    await named.db
      .insertInto('quality_gates')
      .values({ project_id: 'p', max_errors: 5, max_warnings: null, updated_at: 'now' })
      .execute();
    expect((await findProjectWithGate(named.db, 'org', 'p'))?.gate?.max_errors).toBe(5);
    // The kept plan's result changes type: "cached plan must not change result type".
    await sql`alter table quality_gates alter column max_errors type numeric`.execute(named.db);
    expect(Number((await findProjectWithGate(named.db, 'org', 'p'))?.gate?.max_errors)).toBe(5);
  });

  it('prepares a statement again when the session lost it, and writes once', async () => {
    await sql`deallocate all`.execute(named.db);
    expect((await findProjectWithGate(named.db, 'org', 'p'))?.project.id).toBe('p');
    await sql`deallocate all`.execute(named.db);
    await insertAnalysisAtOnce(named.db, smallUpload('after-deallocate'));
    expect(await listIssues(named.db, 'after-deallocate', {}, { limit: 10 })).toHaveLength(1);
  });

  it('sends a text unnamed on a connection where its statement keeps getting lost', async () => {
    const preparedReads = async () =>
      (await preparedInSession(named)).filter((text) => text.includes('from "projects"'));
    for (let lost = 0; lost < 5; lost += 1) {
      await sql`deallocate all`.execute(named.db);
      expect((await findProjectWithGate(named.db, 'org', 'p'))?.project.id).toBe('p');
    }
    expect(await preparedReads()).toEqual([]);
  });

  it('fails a transaction whose statement was lost inside it, with the first error, and the next succeeds', async () => {
    const write = (id: string, before: (trx: Kysely<Database>) => Promise<unknown>) =>
      named.db.transaction().execute(async (trx) => {
        await before(trx);
        await insertAnalysis(trx, smallUpload(id).analysis);
      });
    // One run first, outside a transaction, so that the insert is prepared on the connection
    // (an earlier test's `deallocate all` may have left it stale there).
    await insertAnalysis(named.db, smallUpload('in-transaction-0').analysis);
    await expect(
      write('in-transaction-1', (trx) => sql`deallocate all`.execute(trx)),
    ).rejects.toMatchObject({ code: '26000' });
    expect(await findAnalysis(named.db, 'p', 'in-transaction-1')).toBeUndefined();
    await write('in-transaction-2', async () => {});
    expect((await findAnalysis(named.db, 'p', 'in-transaction-2'))?.id).toBe('in-transaction-2');
  });
});
