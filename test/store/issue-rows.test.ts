import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type AnalysisRow,
  findAnalysis,
  insertAnalysis,
  insertAnalysisAtOnce,
  insertAnalysisRecords,
  insertIssues,
  issuesAtHand,
  listIssues,
  type NewIssue,
} from '../../src/store/analyses.js';
import { auditEventRow, insertAuditEvent } from '../../src/store/audit.js';
import type { Store } from '../../src/store/db.js';
import { fixedStatement } from '../../src/store/fixed-statements.js';
import * as issuesWithoutRowChecks from '../../src/store/migrations/20261203-0008-issues-without-row-checks.js';
import { describeEachEngine, freshStore } from '../helpers/engines.js';

// Text that an array literal (PostgreSQL's statement) or a parameter list (SQLite's) could
// get wrong: quotes, backslashes, braces, commas, the word NULL, empty, long, beyond the BMP.
const awkward = [
  'plain',
  '"double" and \'single\' quotes',
  'back\\slash \\" and a trailing \\',
  '{braces, and commas}',
  'NULL',
  '',
  ' leading and trailing spaces ',
  'line\nbreaks\r\nand\ttabs',
  'unicode: ü, 中文, 🙂',
  'x'.repeat(5000),
];

function issueAt(i: number): NewIssue {
  return {
    tool: awkward[i % awkward.length] || 'tool',
    rule: `rule-${i % 7}`,
    level: (['error', 'warning', 'note'] as const)[i % 3] ?? 'note',
    message: awkward[(i + 3) % awkward.length] ?? '',
    file: i % 5 === 0 ? null : (awkward[(i + 1) % awkward.length] ?? null),
    line: i % 4 === 0 ? null : i === 7 ? 2_147_483_647 : i,
  };
}

describeEachEngine('issue rows', (engine) => {
  let store: Store;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ store, drop } = await freshStore(engine));
    const now = new Date().toISOString();
    await store.db
      .insertInto('orgs')
      .values({
        id: 'org',
        key: 'org',
        name: 'Org',
        plan: 'team',
        created_at: now,
        updated_at: now,
      })
      .execute();
    await insertProject('project');
  });
  afterAll(async () => drop());

  /** A project of the organization, `id` also its key. */
  const insertProject = async (id: string) => {
    const now = new Date().toISOString();
    await store.db
      .insertInto('projects')
      .values({ id, org_id: 'org', key: id, name: id, created_at: now, updated_at: now })
      .execute();
  };

  const analysisRow = (id: string): AnalysisRow => ({
    id,
    project_id: 'project',
    created_at: new Date().toISOString(),
    format: 'sarif',
    tools: '["a \'tool\'"]',
    branch: awkward[2] ?? null,
    commit_sha: null,
    errors: 1,
    warnings: 2,
    notes: 3,
    gate_status: 'OK',
    gate_conditions: '[]',
    submitted_by_type: 'user',
    submitted_by_id: 'u',
    submitted_by_name: awkward[8] ?? 'U',
    ci_context: '{"run": 1}',
  });

  async function stored(analysisId: string, slices: NewIssue[][]): Promise<NewIssue[]> {
    await store.db.transaction().execute(async (trx) => {
      await insertAnalysis(trx, analysisRow(analysisId));
      await insertIssues(trx, engine, analysisId, slices);
    });
    return storedIssues(analysisId);
  }

  async function storedIssues(analysisId: string): Promise<NewIssue[]> {
    const rows = await listIssues(store.db, analysisId, {}, { limit: 10_000 });
    rows.forEach((row, i) => {
      expect(row.analysis_id).toBe(analysisId);
      expect(Number(row.seq)).toBe(i);
    });
    return rows.map(({ tool, rule, level, message, file, line }) => ({
      tool,
      rule,
      level,
      message,
      file,
      line: line === null ? null : Number(line),
    }));
  }

  it('stores every issue as given, in order, across statements and slices', async () => {
    // 600 issues: two full statements of 256 and a remainder, from slices of other sizes.
    const issues = Array.from({ length: 600 }, (_, i) => issueAt(i));
    const slices = [
      issues.slice(0, 1),
      issues.slice(1, 300),
      issues.slice(300, 300),
      issues.slice(300),
    ];
    expect(await stored('analysis-many', slices)).toEqual(issues);
  });

  it('stores a report of one issue, and of none', async () => {
    expect(await stored('analysis-one', [[issueAt(1)]])).toEqual([issueAt(1)]);
    expect(await stored('analysis-none', [])).toEqual([]);
  });

  const eventOf = (analysis: AnalysisRow) =>
    auditEventRow({
      orgId: 'org',
      at: analysis.created_at,
      action: 'analysis.created',
      actor: { type: 'user', id: 'u', name: awkward[1] ?? 'U' },
      target: { type: 'project', id: analysis.project_id, name: 'p' },
      meta: { ip: '192.0.2.1', userAgent: awkward[7] ?? null },
      details: { analysisId: analysis.id },
    });
  const eventById = (id: string) =>
    store.db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();

  /** A small upload's write, as each engine does it, of an analysis with two issues. */
  async function insertAnalysisAtOnceOrBatched(analysis: AnalysisRow): Promise<void> {
    const record = { analysis, issues: [issueAt(6), issueAt(7)], event: eventOf(analysis) };
    if (engine === 'sqlite') await insertAnalysisRecords(store.db, [record]);
    else await insertAnalysisAtOnce(store.db, record);
  }

  it('writes small uploads at once: each analysis, its issues in order and its event', async () => {
    const records = [256, 1, 0].map((count, r) => {
      const analysis = analysisRow(`analysis-record-${r}`);
      const issues = Array.from({ length: count }, (_, i) => issueAt(i + r));
      return { analysis, issues, event: eventOf(analysis) };
    });
    // SQLite writes them in one transaction; PostgreSQL writes each in one statement.
    if (engine === 'sqlite') await insertAnalysisRecords(store.db, records);
    else for (const record of records) await insertAnalysisAtOnce(store.db, record);
    for (const { analysis, issues, event } of records) {
      expect(await findAnalysis(store.db, 'project', analysis.id)).toEqual(analysis);
      expect(await storedIssues(analysis.id)).toEqual(issues);
      expect(await eventById(event.id)).toEqual(event);
    }
  });

  it('writes nothing of an upload whose write fails, nor of the others of its batch', async () => {
    const good = analysisRow('analysis-batch-good');
    const orphan = { ...analysisRow('analysis-batch-orphan'), project_id: 'no-such-project' };
    const records = [good, orphan].map((analysis) => ({
      analysis,
      issues: [issueAt(1), issueAt(2)],
      event: eventOf(analysis),
    }));
    if (engine === 'sqlite') {
      await expect(insertAnalysisRecords(store.db, records)).rejects.toThrow();
    } else {
      const [, orphaned] = records;
      if (orphaned) await expect(insertAnalysisAtOnce(store.db, orphaned)).rejects.toThrow();
      records.splice(0, 1);
    }
    for (const { analysis, event } of records) {
      expect(await findAnalysis(store.db, analysis.project_id, analysis.id)).toBeUndefined();
      expect(await storedIssues(analysis.id)).toEqual([]);
      expect(await eventById(event.id)).toBeUndefined();
    }
  });

  it('deletes the analyses of a deleted project and their issues, and nothing else', async () => {
    // On PostgreSQL a trigger does what the issues' foreign key did (migration 0008).
    await insertProject('doomed');
    const doomed = ['analysis-doomed-1', 'analysis-doomed-2'];
    for (const id of doomed) {
      await store.db.transaction().execute(async (trx) => {
        await insertAnalysis(trx, { ...analysisRow(id), project_id: 'doomed' });
        await insertIssues(trx, engine, id, [[issueAt(1), issueAt(2), issueAt(3)]]);
      });
    }
    await insertAnalysisAtOnceOrBatched({
      ...analysisRow('analysis-doomed-3'),
      project_id: 'doomed',
    });
    const kept = await stored('analysis-kept', [[issueAt(4), issueAt(5)]]);
    const issueCount = async (ids: string[]) =>
      Number(
        (
          await store.db
            .selectFrom('analysis_issues')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('analysis_id', 'in', ids)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await issueCount([...doomed, 'analysis-doomed-3'])).toBe(8);
    await store.db.deleteFrom('projects').where('id', '=', 'doomed').execute();
    expect(await issueCount([...doomed, 'analysis-doomed-3'])).toBe(0);
    for (const id of doomed) expect(await findAnalysis(store.db, 'doomed', id)).toBeUndefined();
    expect(await storedIssues('analysis-kept')).toEqual(kept);
  });

  // PostgreSQL's alone: SQLite keeps the foreign key, and the migration does nothing there.
  // Declared only there, so that no run counts a skipped test.
  if (engine === 'postgres') {
    it('refuses to truncate analyses, and keeps the cascade through a migration down and up', async () => {
      // Truncating analyses would leave their issues behind, as the foreign key refused it.
      await expect(sql`truncate analyses cascade`.execute(store.db)).rejects.toThrow(
        /cannot be truncated/,
      );
      // In a transaction, as the migrator runs them.
      await store.db.transaction().execute(async (trx) => {
        await issuesWithoutRowChecks.down(trx);
        await issuesWithoutRowChecks.up(trx);
      });
      await insertProject('again');
      await insertAnalysisAtOnceOrBatched({
        ...analysisRow('analysis-again'),
        project_id: 'again',
      });
      expect(await storedIssues('analysis-again')).toHaveLength(2);
      await store.db.deleteFrom('projects').where('id', '=', 'again').execute();
      expect(await storedIssues('analysis-again')).toEqual([]);
    });
  }

  it('takes for such a write only issues all at hand that fit one statement', () => {
    const issues = Array.from({ length: 256 }, (_, i) => issueAt(i));
    expect(issuesAtHand([issues])).toBe(issues);
    expect(issuesAtHand([])).toEqual([]);
    expect(issuesAtHand([[...issues, issueAt(0)]])).toBeNull();
    expect(issuesAtHand([issues.slice(0, 1), issues.slice(1)])).toBeNull();
    expect(
      issuesAtHand(
        (function* () {
          yield issues;
        })(),
      ),
    ).toBeNull();
  });

  it('inserts audit events and analyses by fixed statements, each value in its column', async () => {
    const event = auditEventRow({
      orgId: null,
      at: new Date().toISOString(),
      action: 'project.created',
      actor: { type: 'system', id: null, name: 'setup' },
      target: { type: 'project', id: 'project', name: awkward[3] ?? 'p' },
      meta: { ip: null, userAgent: 'agent' },
    });
    // The same row built in another order of its fields: the statement's order is its own.
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as typeof event;
    await insertAuditEvent(store.db, reordered);
    await insertAuditEvent(store.db, { ...event, id: `${event.id}-2`, ip: '198.51.100.7' });
    const rows = await store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('id', 'in', [event.id, `${event.id}-2`])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([event, { ...event, id: `${event.id}-2`, ip: '198.51.100.7' }]);
    const analysis = analysisRow('analysis-fixed');
    await insertAnalysis(store.db, analysis);
    expect(await findAnalysis(store.db, 'project', analysis.id)).toEqual(analysis);
  });

  it('refuses a fixed statement whose parameters are not in the order it takes them', () => {
    // A builder that puts its values in the other order than it is given them.
    const swapped = (values: readonly unknown[]) =>
      store.db
        .selectFrom('orgs')
        .select('id')
        .where('key', '=', String(values[1]))
        .where('id', '=', String(values[0]));
    expect(() => fixedStatement(store.db, 'test: swapped', swapped, [null, null])).toThrow(
      /out of order/,
    );
    const inOrder = (values: readonly unknown[]) =>
      store.db
        .selectFrom('orgs')
        .select('id')
        .where('id', '=', String(values[0]))
        .where('key', '=', String(values[1]));
    expect(fixedStatement(store.db, 'test: in order', inOrder, ['a', 'b']).parameters).toEqual([
      'a',
      'b',
    ]);
  });
});
