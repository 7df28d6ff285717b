import type { Actor, RequestMeta } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import {
  defaultQualityGate,
  evaluateGate,
  type GateVerdict,
  type QualityGate,
} from '../domain/quality-gate.js';
import { parseGeneric } from '../domain/reports/generic.js';
import {
  type IssueLevel,
  type NormalizedIssue,
  type ParsedReport,
  type Summary,
  summarize,
} from '../domain/reports/report.js';
import { parseSarif } from '../domain/reports/sarif.js';
import {
  type AnalysisRow,
  findAnalysis,
  findQualityGate,
  insertAnalysis,
  insertIssues,
  listAnalyses,
  listIssues,
  upsertQualityGate,
} from '../store/analyses.js';
import { recordAudit } from '../store/audit.js';
import { findProject, type ProjectRow } from '../store/projects.js';
import { type OrgAccess, orgAccess, requireOrgAdmin, requireProjectAccess } from './access.js';
import type { ServiceDeps } from './context.js';
import { insertProjectAudited, projectIn } from './projects.js';

export type ReportFormat = 'sarif' | 'generic';

/** An analysis as the API shows it. */
export interface Analysis {
  id: string;
  projectKey: string;
  createdAt: string;
  branch: string | null;
  commit: string | null;
  format: ReportFormat;
  tools: string[];
  summary: Summary;
  qualityGate: GateVerdict;
  submittedBy: { type: string; id: string; name: string };
}

export interface Issue extends NormalizedIssue {
  id: number;
}

function presentAnalysis(row: AnalysisRow, projectKey: string): Analysis {
  const errors = Number(row.errors);
  const warnings = Number(row.warnings);
  const notes = Number(row.notes);
  return {
    id: row.id,
    projectKey,
    createdAt: row.created_at,
    branch: row.branch,
    commit: row.commit_sha,
    format: row.format as ReportFormat,
    tools: JSON.parse(row.tools) as string[],
    summary: { errors, warnings, notes, total: errors + warnings + notes },
    qualityGate: {
      status: row.gate_status as GateVerdict['status'],
      conditions: JSON.parse(row.gate_conditions) as GateVerdict['conditions'],
    },
    submittedBy: {
      type: row.submitted_by_type,
      id: row.submitted_by_id,
      name: row.submitted_by_name,
    },
  };
}

const parsers: Record<ReportFormat, (document: unknown) => ParsedReport> = {
  sarif: parseSarif,
  generic: parseGeneric,
};

async function gateOf(deps: ServiceDeps, projectId: string): Promise<QualityGate> {
  const row = await findQualityGate(deps.store.db, projectId);
  return row ? { maxErrors: row.max_errors, maxWarnings: row.max_warnings } : defaultQualityGate;
}

/**
 * The project an upload goes to. An organization token needs analysis:execute and the
 * project in scope; with project:provision and every project in scope, an unknown key
 * creates the project (in the upload's transaction, see createAnalysis). People need
 * membership only.
 */
async function uploadTarget(
  deps: ServiceDeps,
  access: OrgAccess,
  projectKey: string,
): Promise<{ project: ProjectRow | null }> {
  requireProjectAccess(access, 'analysis:execute', projectKey);
  const project = await findProject(deps.store.db, access.org.id, projectKey);
  if (project) return { project };
  const token = access.token;
  if (token?.permissions.includes('project:provision') && token.projects.mode === 'all') {
    return { project: null };
  }
  throw new AppError('NOT_FOUND', 'Project not found.');
}

/**
 * Checks that the actor may upload to this project, before the report is read: a caller
 * without the right never makes the server hold a 50 MB body.
 */
export async function authorizeUpload(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
): Promise<void> {
  await uploadTarget(deps, await orgAccess(deps, actor, orgKey), projectKey);
}

/**
 * Stores an uploaded report: validated and normalized first (an invalid report stores
 * nothing), then the analysis, all its issues and its audit event in one transaction.
 */
export async function createAnalysis(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
  input: {
    format: ReportFormat;
    report: unknown;
    branch?: string | undefined;
    commit?: string | undefined;
  },
  meta: RequestMeta,
): Promise<Analysis> {
  const access = await orgAccess(deps, actor, orgKey);
  const target = await uploadTarget(deps, access, projectKey);
  const parsed = parsers[input.format](input.report);
  const summary = summarize(parsed.issues);
  const verdict = evaluateGate(
    summary,
    target.project ? await gateOf(deps, target.project.id) : defaultQualityGate,
  );
  const now = deps.clock.now().toISOString();

  const row = await deps.store.db.transaction().execute(async (trx) => {
    const project =
      target.project ??
      (await insertProjectAudited(
        trx,
        access.org.id,
        { key: projectKey, name: projectKey },
        actor,
        meta,
        now,
        { provisionedBy: 'analysis' },
      ));
    const analysis: AnalysisRow = {
      id: newId(Date.parse(now)),
      project_id: project.id,
      created_at: now,
      format: input.format,
      tools: JSON.stringify(parsed.tools),
      branch: input.branch ?? null,
      commit_sha: input.commit ?? null,
      errors: summary.errors,
      warnings: summary.warnings,
      notes: summary.notes,
      gate_status: verdict.status,
      gate_conditions: JSON.stringify(verdict.conditions),
      submitted_by_type: actor.type,
      submitted_by_id: actor.id,
      submitted_by_name: actor.name,
    };
    await insertAnalysis(trx, analysis);
    await insertIssues(
      trx,
      parsed.issues.map((issue, seq) => ({ analysis_id: analysis.id, seq, ...issue })),
    );
    await recordAudit(trx, {
      orgId: access.org.id,
      at: now,
      action: 'analysis.created',
      actor,
      target: { type: 'project', id: project.id, name: project.key },
      meta,
      details: {
        analysisId: analysis.id,
        format: input.format,
        branch: analysis.branch,
        commit: analysis.commit_sha,
        summary,
        qualityGate: verdict.status,
      },
    });
    return analysis;
  });
  return presentAnalysis(row, projectKey);
}

/** Reading needs membership, or project:browse with the project in scope for a token. */
async function readableProject(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
): Promise<{ access: OrgAccess; project: ProjectRow }> {
  const access = await orgAccess(deps, actor, orgKey);
  requireProjectAccess(access, 'project:browse', projectKey);
  return { access, project: await projectIn(deps, access, projectKey) };
}

/** A project's analyses, newest first. */
export async function pageAnalyses(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Analysis>> {
  const { project } = await readableProject(deps, actor, orgKey, projectKey);
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const rows = await listAnalyses(deps.store.db, project.id, { limit: page.limit, after });
  return toPage(
    rows,
    page.limit,
    (row) => [row.id],
    (row) => presentAnalysis(row, project.key),
  );
}

async function analysisOf(
  deps: ServiceDeps,
  project: ProjectRow,
  id: string,
): Promise<AnalysisRow> {
  const analysis = await findAnalysis(deps.store.db, project.id, id);
  if (!analysis) throw new AppError('NOT_FOUND', 'Analysis not found.');
  return analysis;
}

/** One analysis. */
export async function getAnalysis(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
  analysisId: string,
): Promise<Analysis> {
  const { project } = await readableProject(deps, actor, orgKey, projectKey);
  return presentAnalysis(await analysisOf(deps, project, analysisId), project.key);
}

/** An analysis's issues in report order, by level and rule. */
export async function pageIssues(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
  analysisId: string,
  filter: { level?: IssueLevel | undefined; rule?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Issue>> {
  const { project } = await readableProject(deps, actor, orgKey, projectKey);
  const analysis = await analysisOf(deps, project, analysisId);
  const cursor = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  // A position is what the seq column holds: decimal digits within a 32-bit integer. Anything
  // else ("1e300", a number beyond the column) is not a cursor this server gave out, and must
  // not reach PostgreSQL, which would refuse it with an error rather than an empty page.
  const after =
    cursor === undefined
      ? undefined
      : /^(0|[1-9][0-9]{0,9})$/.test(cursor) && Number(cursor) <= 2_147_483_647
        ? Number(cursor)
        : Number.NaN;
  if (after !== undefined && Number.isNaN(after)) {
    throw invalid('/querystring/cursor', 'cursor is not one this server gave out');
  }
  const rows = await listIssues(deps.store.db, analysis.id, filter, { limit: page.limit, after });
  return toPage(
    rows,
    page.limit,
    (row) => [String(row.seq)],
    (row) => ({
      id: Number(row.seq),
      tool: row.tool,
      rule: row.rule,
      level: row.level as IssueLevel,
      message: row.message,
      file: row.file,
      line: row.line === null ? null : Number(row.line),
    }),
  );
}

/** A project's quality gate (anyone who may read the project). */
export async function getQualityGate(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
): Promise<QualityGate> {
  const { project } = await readableProject(deps, actor, orgKey, projectKey);
  return gateOf(deps, project.id);
}

/** Sets a project's quality gate (org admins); later analyses are judged by it. */
export async function putQualityGate(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
  gate: QualityGate,
  meta: RequestMeta,
): Promise<QualityGate> {
  const access = await orgAccess(deps, actor, orgKey);
  requireOrgAdmin(access);
  const project = await projectIn(deps, access, projectKey);
  const before = await gateOf(deps, project.id);
  const now = deps.clock.now().toISOString();
  await deps.store.db.transaction().execute(async (trx) => {
    await upsertQualityGate(trx, {
      project_id: project.id,
      max_errors: gate.maxErrors,
      max_warnings: gate.maxWarnings,
      updated_at: now,
    });
    await recordAudit(trx, {
      orgId: access.org.id,
      at: now,
      action: 'quality_gate.updated',
      actor,
      target: { type: 'project', id: project.id, name: project.key },
      meta,
      details: { from: before, to: gate },
    });
  });
  return gate;
}
