import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  insertAnalysis,
  insertIssues,
  listIssues,
  type NewIssue,
} from '../../src/store/analyses.js';
import type { Store } from '../../src/store/db.js';
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
    await store.db
      .insertInto('projects')
      .values({
        id: 'project',
        org_id: 'org',
        key: 'p',
        name: 'P',
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  afterAll(async () => drop());

  async function stored(analysisId: string, slices: NewIssue[][]): Promise<NewIssue[]> {
    await store.db.transaction().execute(async (trx) => {
      await insertAnalysis(trx, {
        id: analysisId,
        project_id: 'project',
        created_at: new Date().toISOString(),
        format: 'sarif',
        tools: '[]',
        branch: null,
        commit_sha: null,
        errors: 0,
        warnings: 0,
        notes: 0,
        gate_status: 'OK',
        gate_conditions: '[]',
        submitted_by_type: 'user',
        submitted_by_id: 'u',
        submitted_by_name: 'U',
        ci_context: null,
      });
      await insertIssues(trx, engine, analysisId, slices);
    });
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
});
