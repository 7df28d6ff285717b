import type { Analysis, Issue } from '../contract/analyses.js';
import { type Actor, type Caller, type MintedBy, partyOf } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import {
  defaultQualityGate,
  evaluateGate,
  type GateVerdict,
  type QualityGate,
} from '../domain/quality-gate.js';
import type { ReportFormat, SlicedReport } from '../domain/reports/read-report.js';
import type { IssueLevel } from '../domain/reports/report.js';
import { projectReadBy, rememberProjectRead } from '../runtime/verified-reads.js';
import {
  type AnalysisRow,
  findAnalysis,
  findProjectWithGate,
  findQualityGate,
  insertAnalysis,
  insertIssues,
  issuesAtHand,
  listAnalyses,
  listIssues,
  type QualityGateRow,
  upsertQualityGate,
} from '../store/analyses.js';
import type { ProjectRow } from '../store/projects.js';
import { type OrgAccess, orgAccess, requireProjectAccess, tokenAccess } from './access.js';
import { type AuditedEvent, audited, auditedEventRow, targetOf } from './audited.js';
import { isoNow, type ServiceDeps } from './context.js';
import { insertProjectAudited, projectForAdmin, projectIn } from './projects.js';
import type { AnalysisRef, PageRequest, ProjectRef } from './refs.js';

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
    ci: row.ci_context === null ? null : (JSON.parse(row.ci_context) as MintedBy),
  };
}

function gateOfRow(row: QualityGateRow | null | undefined): QualityGate {
  return row ? { maxErrors: row.max_errors, maxWarnings: row.max_warnings } : defaultQualityGate;
}

async function gateOf(deps: ServiceDeps, projectId: string): Promise<QualityGate> {
  return gateOfRow(await findQualityGate(deps.store.db, projectId));
}

/** Where an upload goes. */
interface UploadTarget {
  orgId: string;
  /** Null for a project the upload is to provision. */
  project: ProjectRow | null;
  /**
   * The project's quality gate, read with it; undefined for a project the token read before,
   * which only authorizes (the body is not read yet, and no gate is needed for that).
   */
  gate: QualityGate | undefined;
}

/**
 * The uploader and the project an upload goes to. An organization token needs
 * analysis:execute and the project in scope; with project:provision and every project in
 * scope, an unknown key creates the project (in the upload's transaction, see
 * createAnalysis). People need membership only. Every upload is authorized twice, before
 * its body is read and again when it is stored; a token's organization comes from its
 * verification both times (tokenAccess, as in getProject). Before the body, a project the
 * token read before comes from verified-reads.ts (`remembered`); when storing, the project
 * and its gate are read afresh, in one statement, so that one deleted while the body was read
 * is refused NOT_FOUND as before (deleted after that read, the analysis's foreign key fails
 * in the write: CONFLICT).
 */
async function uploadTarget(
  deps: ServiceDeps,
  actor: Actor,
  ref: ProjectRef,
  remembered: boolean,
): Promise<UploadTarget> {
  const { projectKey } = ref;
  if (actor.type === 'organization_token') {
    const { orgId, limits } = tokenAccess(actor, ref.org);
    requireProjectAccess({ limits }, 'analysis:execute', projectKey);
    const known = remembered ? projectReadBy(actor, projectKey) : undefined;
    if (known) return { orgId, project: known, gate: undefined };
    const found = await findProjectWithGate(deps.store.db, orgId, projectKey);
    if (found) {
      rememberProjectRead(actor, found.project);
      return { orgId, project: found.project, gate: gateOfRow(found.gate) };
    }
    if (actor.permissions.includes('project:provision') && actor.projects.mode === 'all') {
      return { orgId, project: null, gate: defaultQualityGate };
    }
    throw new AppError('NOT_FOUND', 'Project not found.');
  }
  const access = await orgAccess(deps, actor, ref.org);
  requireProjectAccess(access, 'analysis:execute', projectKey);
  const found = await findProjectWithGate(deps.store.db, access.org.id, projectKey);
  if (!found) throw new AppError('NOT_FOUND', 'Project not found.');
  return { orgId: access.org.id, project: found.project, gate: gateOfRow(found.gate) };
}

/**
 * Checks that the actor may upload to this project, before the report is read: a caller
 * without the right never makes the server hold a 50 MB body. Gives the organization's id,
 * whose share of the parsing places the upload then takes.
 */
export async function authorizeUpload(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
): Promise<{ orgId: string }> {
  const { orgId } = await uploadTarget(deps, caller.actor, ref, true);
  return { orgId };
}

/**
 * Stores an uploaded report, validated and normalized already (the ingest pool parses it off
 * the event loop): the analysis, all its issues and its audit event together, in one
 * transaction, or for a small report in one statement (PostgreSQL) or with the small
 * uploads that finish with it (SQLite).
 */
export async function createAnalysis(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
  input: {
    format: ReportFormat;
    /** Its issue slices can be read once only: the store unpacks them as it writes. */
    report: SlicedReport;
    branch?: string | undefined;
    commit?: string | undefined;
  },
): Promise<Analysis> {
  const { actor } = caller;
  const { projectKey } = ref;
  const target = await uploadTarget(deps, actor, ref, false);
  const { orgId } = target;
  const { report: parsed } = input;
  const { summary } = parsed;
  // Read with the project just now (`remembered` false): never a remembered project's.
  if (!target.gate) throw new Error('An upload is stored against a gate it did not read.');
  const verdict = evaluateGate(summary, target.gate);
  const at = isoNow(deps);
  const by = { ...caller, at };
  const analysisIn = (project: ProjectRow): AnalysisRow => ({
    id: newId(Date.parse(at)),
    project_id: project.id,
    created_at: at,
    format: input.format,
    tools: JSON.stringify(parsed.tools),
    branch: input.branch ?? null,
    commit_sha: input.commit ?? null,
    errors: summary.errors,
    warnings: summary.warnings,
    notes: summary.notes,
    gate_status: verdict.status,
    gate_conditions: JSON.stringify(verdict.conditions),
    submitted_by_type: partyOf(actor).type,
    submitted_by_id: actor.id,
    submitted_by_name: actor.name,
    ci_context:
      actor.type === 'organization_token' && actor.minted ? JSON.stringify(actor.minted) : null,
  });
  const created = (analysis: AnalysisRow, project: ProjectRow): AuditedEvent => ({
    orgId,
    action: 'analysis.created',
    target: targetOf.project(project),
    details: {
      analysisId: analysis.id,
      format: input.format,
      branch: analysis.branch,
      commit: analysis.commit_sha,
      summary,
      qualityGate: verdict.status,
    },
  });
  // A small report to a project that exists: one statement on PostgreSQL, with the uploads
  // that finish with it on SQLite (app.ts); its analysis, issues and event land together or
  // not at all.
  const issues = target.project ? issuesAtHand(parsed.issueSlices) : null;
  if (target.project && issues) {
    const project = target.project;
    const analysis = analysisIn(project);
    const event = auditedEventRow(by, created(analysis, project));
    await deps.analysisWrites.write({ analysis, issues, event });
    return presentAnalysis(analysis, projectKey);
  }
  const row = await audited(deps, by, async (tx) => {
    const project =
      target.project ??
      (await insertProjectAudited(
        tx,
        orgId,
        { key: projectKey, name: projectKey },
        {
          provisionedBy: 'analysis',
        },
      ));
    const analysis = analysisIn(project);
    await insertAnalysis(tx.db, analysis);
    await insertIssues(tx.db, deps.store.engine, analysis.id, parsed.issueSlices);
    await tx.record(created(analysis, project));
    return analysis;
  });
  return presentAnalysis(row, projectKey);
}

/** Reading needs membership, or project:browse with the project in scope for a token. */
async function readableProject(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
): Promise<{ access: OrgAccess; project: ProjectRow }> {
  const access = await orgAccess(deps, caller.actor, ref.org);
  requireProjectAccess(access, 'project:browse', ref.projectKey);
  return { access, project: await projectIn(deps, access, ref.projectKey) };
}

/** A project's analyses, newest first. */
export async function pageAnalyses(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
  page: PageRequest,
): Promise<Page<Analysis>> {
  const { project } = await readableProject(deps, caller, ref);
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
  caller: Caller,
  ref: AnalysisRef,
): Promise<Analysis> {
  const { project } = await readableProject(deps, caller, ref);
  return presentAnalysis(await analysisOf(deps, project, ref.analysisId), project.key);
}

/** An analysis's issues in report order, by level and rule. */
export async function pageIssues(
  deps: ServiceDeps,
  caller: Caller,
  ref: AnalysisRef,
  query: PageRequest & { level?: IssueLevel | undefined; rule?: string | undefined },
): Promise<Page<Issue>> {
  const { project } = await readableProject(deps, caller, ref);
  const analysis = await analysisOf(deps, project, ref.analysisId);
  const { level, rule, ...page } = query;
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
    throw invalid('cursor', 'cursor is not one this server gave out');
  }
  const rows = await listIssues(
    deps.store.db,
    analysis.id,
    { level, rule },
    { limit: page.limit, after },
  );
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
  caller: Caller,
  ref: ProjectRef,
): Promise<QualityGate> {
  const { project } = await readableProject(deps, caller, ref);
  return gateOf(deps, project.id);
}

/** Sets a project's quality gate (org admins); later analyses are judged by it. */
export async function putQualityGate(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
  gate: QualityGate,
): Promise<QualityGate> {
  const { access, project } = await projectForAdmin(deps, caller, ref);
  const before = await gateOf(deps, project.id);
  await audited(deps, caller, async (tx) => {
    await upsertQualityGate(tx.db, {
      project_id: project.id,
      max_errors: gate.maxErrors,
      max_warnings: gate.maxWarnings,
      updated_at: tx.at,
    });
    await tx.record({
      orgId: access.org.id,
      action: 'quality_gate.updated',
      target: targetOf.project(project),
      details: { from: before, to: gate },
    });
  });
  return gate;
}
