import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Engine } from './db.js';
import type { AnalysesTable, AnalysisIssuesTable, Database, QualityGatesTable } from './schema.js';

export type AnalysisRow = Selectable<AnalysesTable>;
export type IssueRow = Selectable<AnalysisIssuesTable>;
export type QualityGateRow = Selectable<QualityGatesTable>;

export function insertAnalysis(db: Kysely<Database>, row: AnalysisRow): Promise<unknown> {
  return db.insertInto('analyses').values(row).execute();
}

const issueColumns = ['analysis_id', 'seq', 'tool', 'rule', 'level', 'message', 'file', 'line'];

/** An issue as a report gives it; its analysis and position are the insert's. */
export type NewIssue = Omit<IssueRow, 'analysis_id' | 'seq'>;

// The statement's text depends only on the engine and the number of rows: built once per
// pair, it costs nothing for the full batches that make up a large report.
const statementTexts = new Map<string, string>();
const keptRemainderText = 4096;

function insertStatement(engine: Engine, rows: number): string {
  const key = `${engine}:${rows}`;
  let text = statementTexts.get(key);
  if (text === undefined) {
    const tuples: string[] = [];
    for (let row = 0; row < rows; row += 1) {
      const base = row * issueColumns.length;
      const marks = issueColumns.map((_, i) => (engine === 'postgres' ? `$${base + i + 1}` : '?'));
      tuples.push(`(${marks.join(', ')})`);
    }
    text = `insert into "analysis_issues" (${issueColumns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`;
    // Full batches repeat, and so do the short texts of small reports (a pipeline uploads
    // about the same report each time); a long remainder's text would seldom be used again.
    // Short texts are at most a few hundred row counts of 4 KiB apiece.
    if (rows === batchRows(engine) || text.length <= keptRemainderText) {
      statementTexts.set(key, text);
    }
  }
  return text;
}

/**
 * Rows one insert statement carries. Well below the parameter limits (SQLite's 32,766 as
 * better-sqlite3 builds it: 4,095 rows; PostgreSQL's 65,535: 8,191), because a statement is
 * held on the event loop while it runs (SQLite) or while `pg` binds its parameters
 * (PostgreSQL), about 3 ms per 1,000 rows on either: at the limits, 12–28 ms and 25–50 ms of
 * event-loop delay per statement, with 1,024 rows 6–10 ms on both, and a 80,000-issue write
 * takes no longer in all (bench/README.md, "Rows per statement"). 1,024 is also the size of
 * the slices a worker hands over (an inline parse hands over one slice of all its issues).
 */
const rowsPerStatement: Record<Engine, number> = { sqlite: 256, postgres: 256 };

function batchRows(engine: Engine): number {
  return rowsPerStatement[engine];
}

/**
 * Inserts an analysis's issues (call inside its transaction) in statements of
 * `rowsPerStatement` rows, the largest that keep each one's hold on the event loop short. The
 * statement is written here rather than built by Kysely's query
 * builder, which would compile tens of thousands of value nodes on the event loop for each.
 * Issues come in slices, read only as statements fill; between statements the event loop
 * gets a turn, so that a large report never holds up other requests for longer than one
 * statement (SQLite runs each one synchronously).
 */
export async function insertIssues(
  db: Kysely<Database>,
  engine: Engine,
  analysisId: string,
  slices: Iterable<readonly NewIssue[]>,
): Promise<void> {
  const perStatement = batchRows(engine);
  let parameters: unknown[] = [];
  let rows = 0;
  let seq = 0;
  let statements = 0;
  const flush = async () => {
    if (statements > 0) await new Promise((resolve) => setImmediate(resolve));
    statements += 1;
    const compiled = CompiledQuery.raw(insertStatement(engine, rows), parameters);
    parameters = [];
    rows = 0;
    await db.executeQuery(compiled);
  };
  for (const slice of slices) {
    for (const issue of slice) {
      parameters.push(
        analysisId,
        seq,
        issue.tool,
        issue.rule,
        issue.level,
        issue.message,
        issue.file,
        issue.line,
      );
      seq += 1;
      rows += 1;
      if (rows === perStatement) await flush();
    }
  }
  if (rows > 0) await flush();
}

export function findAnalysis(
  db: Kysely<Database>,
  projectId: string,
  id: string,
): Promise<AnalysisRow | undefined> {
  return db
    .selectFrom('analyses')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** An analysis with the project and organization it belongs to. */
export type LocatedAnalysisRow = AnalysisRow & {
  project_key: string;
  project_name: string;
  org_key: string;
};

/**
 * An analysis by its id alone, with the keys of its project and organization: what the
 * SonarQube-compatible task and quality-gate routes are asked with (ids are unique across
 * projects). The caller decides from those keys whether the analysis may be read.
 */
export function findAnalysisById(
  db: Kysely<Database>,
  id: string,
): Promise<LocatedAnalysisRow | undefined> {
  return db
    .selectFrom('analyses')
    .innerJoin('projects', 'projects.id', 'analyses.project_id')
    .innerJoin('orgs', 'orgs.id', 'projects.org_id')
    .selectAll('analyses')
    .select(['projects.key as project_key', 'projects.name as project_name', 'orgs.key as org_key'])
    .where('analyses.id', '=', id)
    .executeTakeFirst();
}

/** A project's newest analysis, of `branch` when given (ids sort by creation). */
export function findLatestAnalysis(
  db: Kysely<Database>,
  projectId: string,
  branch: string | undefined,
): Promise<AnalysisRow | undefined> {
  let query = db
    .selectFrom('analyses')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('id', 'desc')
    .limit(1);
  if (branch !== undefined) query = query.where('branch', '=', branch);
  return query.executeTakeFirst();
}

/** A project's analyses newest first (ids sort by creation), after `after`; `limit + 1` rows. */
export function listAnalyses(
  db: Kysely<Database>,
  projectId: string,
  page: { limit: number; after?: string | undefined },
): Promise<AnalysisRow[]> {
  let query = db
    .selectFrom('analyses')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('id', '<', page.after);
  return query.execute();
}

/** An analysis's issues in report order, filtered, after position `after`; `limit + 1` rows. */
export function listIssues(
  db: Kysely<Database>,
  analysisId: string,
  filter: { level?: string | undefined; rule?: string | undefined },
  page: { limit: number; after?: number | undefined },
): Promise<IssueRow[]> {
  let query = db
    .selectFrom('analysis_issues')
    .selectAll()
    .where('analysis_id', '=', analysisId)
    .orderBy('seq')
    .limit(page.limit + 1);
  if (filter.level !== undefined) query = query.where('level', '=', filter.level);
  if (filter.rule !== undefined) query = query.where('rule', '=', filter.rule);
  if (page.after !== undefined) query = query.where('seq', '>', page.after);
  return query.execute();
}

export function findQualityGate(
  db: Kysely<Database>,
  projectId: string,
): Promise<QualityGateRow | undefined> {
  return db
    .selectFrom('quality_gates')
    .selectAll()
    .where('project_id', '=', projectId)
    .executeTakeFirst();
}

export function upsertQualityGate(db: Kysely<Database>, row: QualityGateRow): Promise<unknown> {
  return db
    .insertInto('quality_gates')
    .values(row)
    .onConflict((oc) =>
      oc.column('project_id').doUpdateSet({
        max_errors: row.max_errors,
        max_warnings: row.max_warnings,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}
