import { CompiledQuery, type InferResult, type Kysely, type Selectable } from 'kysely';
import { type AuditEventRow, auditEventColumns } from './audit.js';
import type { Engine } from './db.js';
import { fixedInsert, fixedStatement, valuesOf } from './fixed-statements.js';
import { preparedOnPostgres } from './prepared-statements.js';
import type { ProjectRow } from './projects.js';
import type { AnalysesTable, AnalysisIssuesTable, Database, QualityGatesTable } from './schema.js';

export type AnalysisRow = Selectable<AnalysesTable>;
export type IssueRow = Selectable<AnalysisIssuesTable>;
export type QualityGateRow = Selectable<QualityGatesTable>;

// Every column, the compiler checking that none is missing (as audit.ts does for its events).
const analysisColumnSet: Record<keyof AnalysisRow, null> = {
  id: null,
  project_id: null,
  created_at: null,
  format: null,
  tools: null,
  branch: null,
  commit_sha: null,
  errors: null,
  warnings: null,
  notes: null,
  gate_status: null,
  gate_conditions: null,
  submitted_by_type: null,
  submitted_by_id: null,
  submitted_by_name: null,
  ci_context: null,
};
const analysisColumns = Object.keys(analysisColumnSet) as (keyof AnalysisRow)[];

export async function insertAnalysis(db: Kysely<Database>, row: AnalysisRow): Promise<void> {
  await db.executeQuery(fixedInsert(db, 'analyses', row, analysisColumns));
}

// The project's columns by name, not `projects.*`: the read is prepared on PostgreSQL
// (prepared-statements.ts), whose kept plan must not change shape when a column is added.
const projectColumnSet: Record<keyof ProjectRow, null> = {
  id: null,
  org_id: null,
  key: null,
  name: null,
  created_at: null,
  updated_at: null,
};
const projectColumns = Object.keys(projectColumnSet).map(
  (column) => `projects.${column}` as `projects.${keyof ProjectRow}`,
);

const projectWithGate = (db: Kysely<Database>, [orgId, key]: readonly unknown[]) =>
  db
    .selectFrom('projects')
    .leftJoin('quality_gates', 'quality_gates.project_id', 'projects.id')
    .select(projectColumns)
    .select([
      'quality_gates.project_id as gate_project_id',
      'quality_gates.max_errors as gate_max_errors',
      'quality_gates.max_warnings as gate_max_warnings',
      'quality_gates.updated_at as gate_updated_at',
    ])
    .where('projects.org_id', '=', orgId as string)
    .where('projects.key', '=', key as string);

/** A project and its gate's columns, null without a gate. */
type ProjectWithGateRow = InferResult<ReturnType<typeof projectWithGate>>[number];

/**
 * A project with its quality gate, null without one: what storing an upload reads, at once.
 * A fixed statement (fixed-statements.ts): it runs for every upload, and Kysely's builder cost
 * more than the read.
 */
export async function findProjectWithGate(
  db: Kysely<Database>,
  orgId: string,
  key: string,
): Promise<{ project: ProjectRow; gate: QualityGateRow | null } | undefined> {
  const { rows } = await db.executeQuery<ProjectWithGateRow>(
    fixedStatement(db, 'project with gate', (values) => projectWithGate(db, values), [orgId, key]),
  );
  const [row] = rows;
  if (!row) return undefined;
  const { gate_project_id, gate_max_errors, gate_max_warnings, gate_updated_at, ...project } = row;
  const gate =
    gate_project_id === null || gate_updated_at === null
      ? null
      : {
          project_id: gate_project_id,
          max_errors: gate_max_errors,
          max_warnings: gate_max_warnings,
          updated_at: gate_updated_at,
        };
  return { project, gate };
}

// Every column, the compiler checking that none is missing.
const issueColumnSet: Record<keyof IssueRow, null> = {
  analysis_id: null,
  seq: null,
  tool: null,
  rule: null,
  level: null,
  message: null,
  file: null,
  line: null,
};
const issueColumns = Object.keys(issueColumnSet) as (keyof IssueRow)[];

const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');
const insertInto = `insert into "analysis_issues" (${quoted(issueColumns)})`;

/** SQLite's insert of `rows` rows into `table`: one tuple of parameters per row. */
function tuplesText(table: string, columns: readonly string[], rows: number): string {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return `insert into "${table}" (${quoted(columns)}) values ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

/** An issue as a report gives it; its analysis and position are the insert's. */
export type NewIssue = Omit<IssueRow, 'analysis_id' | 'seq'>;

// SQLite's statement: one tuple of parameters per row. Its text depends only on the number
// of rows: built once per count, it costs nothing for the full statements of a large report.
const statementTexts = new Map<number, string>();
const keptRemainderText = 4096;

function sqliteInsert(rows: number): string {
  let text = statementTexts.get(rows);
  if (text === undefined) {
    text = tuplesText('analysis_issues', issueColumns, rows);
    // Full statements repeat, and so do the short texts of small reports (a pipeline uploads
    // about the same report each time); a long remainder's text would seldom be used again.
    // Short texts are at most a few hundred row counts of 4 KiB apiece.
    if (rows === rowsPerStatement || text.length <= keptRemainderText) {
      statementTexts.set(rows, text);
    }
  }
  return text;
}

/**
 * PostgreSQL's rows: one array per column, whatever the number of rows, and the analysis and
 * first position once: the analysis is the parameter `analysis`, the first position `$first`
 * and the six arrays the parameters after it. A statement of one tuple per row had 8
 * parameters a row, which PostgreSQL parsed and planned afresh for every upload (the text
 * changes with the count): for 82 rows about 1.2 ms a statement on this machine against
 * 1.0 ms for this one, and the analysis id, repeated in every row, was a seventh of the bytes
 * sent.
 */
function postgresIssueRows(analysis: string, first: number): string {
  const types = ['text', 'text', 'text', 'text', 'text', 'integer'];
  const arrays = types.map((type, i) => `$${first + 1 + i}::${type}[]`);
  return `${insertInto}
  select ${analysis}, $${first}::integer + u.position - 1, u.tool, u.rule, u.level, u.message, u.file, u.line
  from unnest(${arrays.join(', ')})
    with ordinality as u(tool, rule, level, message, file, line, position)`;
}

const postgresInsert = preparedOnPostgres(postgresIssueRows('$1', 2));

/**
 * Rows one insert statement carries. Far below the parameter limits (SQLite's 32,766 as
 * better-sqlite3 builds it: 4,095 rows; PostgreSQL takes arrays), because a statement is
 * held on the event loop while it runs (SQLite) or while `pg` serializes its parameters
 * (PostgreSQL), 2–3 ms per 1,000 rows on either, and more on a loaded machine: at 4,095
 * rows 12–28 ms of event-loop delay per statement. 256 rows hold it under about 1 ms each,
 * and an 80,000-issue write takes no longer in all (bench/README.md, "Rows per statement").
 * 256 is also the size of the slices a worker hands over (an inline parse hands over one
 * slice of all its issues).
 */
const rowsPerStatement = 256;

/** The statements' parameters as they fill, in the shape each engine's statement takes. */
interface Batch {
  rows: number;
  add(issue: NewIssue, seq: number): void;
  /** The statement for the rows added so far; the batch is empty again after. */
  take(): CompiledQuery;
}

/** One row's parameters of SQLite's statement, in its columns' order (`issueColumns`). */
function pushIssue(parameters: unknown[], analysisId: string, issue: NewIssue, seq: number) {
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
}

function sqliteBatch(analysisId: string): Batch {
  let parameters: unknown[] = [];
  const batch: Batch = {
    rows: 0,
    add(issue, seq) {
      pushIssue(parameters, analysisId, issue, seq);
      batch.rows += 1;
    },
    take() {
      const compiled = CompiledQuery.raw(sqliteInsert(batch.rows), parameters);
      parameters = [];
      batch.rows = 0;
      return compiled;
    },
  };
  return batch;
}

/** PostgreSQL's parameters after the first two: tool, rule, level, message, file, line. */
type IssueColumns = [string[], string[], string[], string[], (string | null)[], (number | null)[]];

const noColumns = (): IssueColumns => [[], [], [], [], [], []];

function postgresBatch(analysisId: string): Batch {
  let first = 0;
  let columns = noColumns();
  const batch: Batch = {
    rows: 0,
    add(issue, seq) {
      if (batch.rows === 0) first = seq;
      const [tools, rules, levels, messages, files, lines] = columns;
      tools.push(issue.tool);
      rules.push(issue.rule);
      levels.push(issue.level);
      messages.push(issue.message);
      files.push(issue.file);
      lines.push(issue.line);
      batch.rows += 1;
    },
    take() {
      const compiled = CompiledQuery.raw(postgresInsert, [analysisId, first, ...columns]);
      columns = noColumns();
      batch.rows = 0;
      return compiled;
    },
  };
  return batch;
}

/**
 * Inserts an analysis's issues (call inside the transaction that inserted the analysis: on
 * PostgreSQL nothing else ties an issue to its analysis, migration 0008) in statements of
 * `rowsPerStatement` rows, small enough to keep each one's hold on the event loop short. The
 * statements are written here rather than built by Kysely's query builder, which would
 * compile tens of thousands of value nodes on the event loop for each. Issues come in
 * slices, read only as statements fill; between statements the event loop gets a turn, so
 * that a large report never holds up other requests for longer than one statement (SQLite
 * runs each one synchronously).
 */
export async function insertIssues(
  db: Kysely<Database>,
  engine: Engine,
  analysisId: string,
  slices: Iterable<readonly NewIssue[]>,
): Promise<void> {
  const batch = engine === 'postgres' ? postgresBatch(analysisId) : sqliteBatch(analysisId);
  let seq = 0;
  let statements = 0;
  const flush = async () => {
    if (statements > 0) await new Promise((resolve) => setImmediate(resolve));
    statements += 1;
    await db.executeQuery(batch.take());
  };
  for (const slice of slices) {
    for (const issue of slice) {
      batch.add(issue, seq);
      seq += 1;
      if (batch.rows === rowsPerStatement) await flush();
    }
  }
  if (batch.rows > 0) await flush();
}

/** An upload's write: its analysis, its issues, all at hand, and its audit event. */
export interface AnalysisRecord {
  analysis: AnalysisRow;
  issues: readonly NewIssue[];
  event: AuditEventRow;
}

/**
 * The issues of `slices` when the upload can be written as a small one
 * (`insertAnalysisAtOnce`, `insertAnalysisRecords`), else null: when they are all at hand
 * (the one slice of a report parsed inline; a worker's slices are read only as the write
 * reaches them) and fit one statement.
 */
export function issuesAtHand(slices: Iterable<readonly NewIssue[]>): readonly NewIssue[] | null {
  if (!Array.isArray(slices) || slices.length > 1) return null;
  const [issues = []] = slices as readonly (readonly NewIssue[])[];
  return issues.length <= rowsPerStatement ? issues : null;
}

/** A record's rows: its analysis, its event and its issues. */
export function recordRows(record: AnalysisRecord): number {
  return 2 + record.issues.length;
}

/**
 * Rows written together at most: two statements of issues on SQLite, which hold the event
 * loop about a millisecond each; on two cores with the default admission, all six small
 * uploads in flight fit.
 */
export const analysisBatchRows = 2 * rowsPerStatement;

const placeholders = (count: number, first: number) =>
  Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');

// PostgreSQL's write of one small upload: one statement of three data-modifying CTEs. The
// analysis's parameters come first, then the issues' first position and arrays (their
// analysis is the analysis's $1, sent once), then the event's.
const issuesFrom = analysisColumns.length + 1;
const eventsFrom = issuesFrom + 7;
const postgresAnalysisAtOnce = preparedOnPostgres(`with "analysis" as (
  insert into "analyses" (${quoted(analysisColumns)})
  values (${placeholders(analysisColumns.length, 1)})
), "issues" as (
  ${postgresIssueRows('$1', issuesFrom)}
)
insert into "audit_events" (${quoted(auditEventColumns)})
values (${placeholders(auditEventColumns.length, eventsFrom)})`);

/**
 * Writes one small upload on PostgreSQL, its analysis, issues and audit event, in one
 * statement: one statement is atomic by itself, so it needs no transaction, and the write is
 * one round trip instead of five (BEGIN, the three inserts, COMMIT). The issues' link to their
 * analysis is this statement itself: PostgreSQL has no foreign key for it (migration 0008), and
 * no other transaction sees the analysis before the statement commits.
 */
export async function insertAnalysisAtOnce(
  db: Kysely<Database>,
  { analysis, issues, event }: AnalysisRecord,
): Promise<void> {
  const batch = postgresBatch(analysis.id);
  for (const [seq, issue] of issues.entries()) batch.add(issue, seq);
  const [, first, ...arrays] = batch.take().parameters;
  await db.executeQuery(
    CompiledQuery.raw(postgresAnalysisAtOnce, [
      ...valuesOf(analysis, analysisColumns),
      first,
      ...arrays,
      ...valuesOf(event, auditEventColumns),
    ]),
  );
}

// SQLite's multi-row inserts of analyses and events, by count (a few dozen at most).
const tupleTexts = new Map<string, string>();

function tuplesInsert(table: string, columns: readonly string[], rows: number): string {
  const key = `${table} ${rows}`;
  let text = tupleTexts.get(key);
  if (text === undefined) {
    text = tuplesText(table, columns, rows);
    tupleTexts.set(key, text);
  }
  return text;
}

/**
 * Writes the analyses, issues and audit events of several small uploads at once on SQLite,
 * all or none: one transaction of a multi-row insert per table (and per 256 issues). Uploads
 * that finish together are written together (runtime/write-batches.ts), so that each pays a
 * share of one transaction instead of one of its own.
 */
export async function insertAnalysisRecords(
  db: Kysely<Database>,
  records: readonly AnalysisRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await db.transaction().execute(async (trx) => {
    const analyses = records.map((record) => record.analysis);
    await trx.executeQuery(
      CompiledQuery.raw(
        tuplesInsert('analyses', analysisColumns, analyses.length),
        analyses.flatMap((row) => valuesOf(row, analysisColumns)),
      ),
    );
    let parameters: unknown[] = [];
    let rows = 0;
    const flush = async () => {
      await trx.executeQuery(CompiledQuery.raw(sqliteInsert(rows), parameters));
      parameters = [];
      rows = 0;
    };
    for (const { analysis, issues } of records) {
      for (const [seq, issue] of issues.entries()) {
        pushIssue(parameters, analysis.id, issue, seq);
        rows += 1;
        if (rows === rowsPerStatement) await flush();
      }
    }
    if (rows > 0) await flush();
    const events = records.map((record) => record.event);
    await trx.executeQuery(
      CompiledQuery.raw(
        tuplesInsert('audit_events', auditEventColumns, events.length),
        events.flatMap((row) => valuesOf(row, auditEventColumns)),
      ),
    );
  });
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
