import {
  type CeTask,
  type ProjectStatus,
  type ProjectStatusRequest,
  sonarMetricKeys,
} from '../contract/sonar.js';
import { type Actor, type Caller, partyOf } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import type { GateVerdict } from '../domain/quality-gate.js';
import {
  type AnalysisRow,
  findAnalysisById,
  findLatestAnalysis,
  type LocatedAnalysisRow,
} from '../store/analyses.js';
import { type Limited, orgAccess, requireProjectAccess } from './access.js';
import type { ServiceDeps } from './context.js';
import { projectIn } from './projects.js';

// SonarQube's quality-gate check over orgtoken's analyses (docs/api.md "SonarQube-compatible
// quality gate"): the task an upload made, and the gate of an analysis, in SonarQube's shapes.
// An upload is answered once its analysis is stored, so an upload's task is its analysis:
// the task id is the analysis id, and a stored analysis is a task that succeeded.

/** SonarQube writes times with an offset and no colon: 2026-11-29T04:06:46+0000. */
const sonarTime = (iso: string) => `${iso.slice(0, 19)}+0000`;

/**
 * Whether `actor` made this analysis itself: the organization or ephemeral token that
 * uploaded it, or for a person's token the person (an analysis records who, not which token).
 */
function uploadedBy(actor: Actor, analysis: AnalysisRow): boolean {
  return (
    analysis.submitted_by_id === actor.id && analysis.submitted_by_type === partyOf(actor).type
  );
}

/**
 * The REST API's read rule, project:browse with the project in scope, plus SonarQube's: a
 * credential limited to analysis:execute may follow the analyses it uploaded itself, as the
 * scanner that made them does (an organization token for a pipeline needs no more).
 */
function requireAnalysisRead(
  access: Limited,
  actor: Actor,
  projectKey: string,
  analysis: AnalysisRow,
): void {
  const granted = access.limits?.permissions;
  const own = granted && !granted.includes('project:browse') && uploadedBy(actor, analysis);
  requireProjectAccess(access, own ? 'analysis:execute' : 'project:browse', projectKey);
}

/**
 * An analysis by id that the caller may read. Anything else answers NOT_FOUND with `missing`,
 * whatever the reason (no such id, another organization's, out of the caller's permissions or
 * scope): an id alone must not tell a caller that an analysis exists where it cannot look.
 */
async function readableAnalysis(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  missing: string,
): Promise<LocatedAnalysisRow> {
  const analysis = await findAnalysisById(deps.store.db, id);
  if (!analysis) throw new AppError('NOT_FOUND', missing);
  try {
    const access = await orgAccess(deps, caller.actor, analysis.org_key);
    requireAnalysisRead(access, caller.actor, analysis.project_key, analysis);
  } catch (error) {
    const refused =
      error instanceof AppError &&
      ['NOT_FOUND', 'PERMISSION_DENIED', 'PROJECT_OUT_OF_SCOPE'].includes(error.code);
    throw refused ? new AppError('NOT_FOUND', missing) : error;
  }
  return analysis;
}

/** GET /api/ce/task: the task of an upload, which is the analysis it stored. */
export async function getCeTask(deps: ServiceDeps, caller: Caller, id: string): Promise<CeTask> {
  const analysis = await readableAnalysis(deps, caller, id, `No activity found for task '${id}'`);
  const at = sonarTime(analysis.created_at);
  return {
    task: {
      id: analysis.id,
      type: 'REPORT',
      organization: analysis.org_key,
      componentId: analysis.project_id,
      componentKey: analysis.project_key,
      componentName: analysis.project_name,
      componentQualifier: 'TRK',
      ...(analysis.branch === null ? {} : { branch: analysis.branch }),
      status: 'SUCCESS',
      analysisId: analysis.id,
      submittedAt: at,
      startedAt: at,
      executedAt: at,
    },
  };
}

/** An analysis's gate verdict in SonarQube's shape; a gate with no limit set is NONE. */
function presentStatus(analysis: AnalysisRow | undefined): ProjectStatus {
  const conditions = analysis
    ? (JSON.parse(analysis.gate_conditions) as GateVerdict['conditions'])
    : [];
  const status =
    !analysis || conditions.length === 0
      ? 'NONE'
      : analysis.gate_status === 'passed'
        ? 'OK'
        : 'ERROR';
  return {
    projectStatus: {
      status,
      conditions: conditions.map((condition) => ({
        status: condition.passed ? 'OK' : 'ERROR',
        metricKey: sonarMetricKeys[condition.metric],
        comparator: 'GT',
        errorThreshold: String(condition.threshold),
        actualValue: String(condition.actual),
      })),
      ignoredConditions: false,
    },
  };
}

/**
 * GET /api/qualitygates/project_status: the gate of one analysis (`analysisId`, read as the
 * task is), or of a project's newest analysis (`projectKey` and `organization`, of `branch`
 * when given), read as the REST API reads a project.
 */
export async function getProjectStatus(
  deps: ServiceDeps,
  caller: Caller,
  query: ProjectStatusRequest,
): Promise<ProjectStatus> {
  const { analysisId, projectKey, organization, branch } = query;
  if (analysisId !== undefined) {
    for (const name of ['projectKey', 'organization', 'branch'] as const) {
      if (query[name] !== undefined) throw invalid(name, `${name} does not go with analysisId`);
    }
    return presentStatus(
      await readableAnalysis(
        deps,
        caller,
        analysisId,
        `Analysis with id '${analysisId}' is not found`,
      ),
    );
  }
  if (projectKey === undefined) {
    throw invalid('analysisId', 'give analysisId, or projectKey and organization');
  }
  if (organization === undefined) {
    throw invalid('organization', 'organization is required with projectKey');
  }
  const access = await orgAccess(deps, caller.actor, organization);
  requireProjectAccess(access, 'project:browse', projectKey);
  const project = await projectIn(deps, access, projectKey);
  return presentStatus(await findLatestAnalysis(deps.store.db, project.id, branch));
}
