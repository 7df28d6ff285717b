import type { Kysely, Selectable } from 'kysely';
import type { AnalysesTable, AnalysisIssuesTable, Database, QualityGatesTable } from './schema.js';

export type AnalysisRow = Selectable<AnalysesTable>;
export type IssueRow = Selectable<AnalysisIssuesTable>;
export type QualityGateRow = Selectable<QualityGatesTable>;

export function insertAnalysis(db: Kysely<Database>, row: AnalysisRow): Promise<unknown> {
  return db.insertInto('analyses').values(row).execute();
}

// Rows per INSERT: 8 values each stays far below SQLite's and PostgreSQL's parameter limits.
const issueBatch = 500;

/** Inserts an analysis's issues in multi-row batches (call inside its transaction). */
export async function insertIssues(db: Kysely<Database>, rows: IssueRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += issueBatch) {
    await db
      .insertInto('analysis_issues')
      .values(rows.slice(start, start + issueBatch))
      .execute();
  }
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
