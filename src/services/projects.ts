import type { Kysely } from 'kysely';
import type { Actor, RequestMeta } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import {
  checkScope,
  type ProjectScope,
  type ProjectScopeInput,
  scopeIncludes,
} from '../domain/project-scope.js';
import { recordAudit } from '../store/audit.js';
import {
  deleteProject as deleteProjectRow,
  findProject,
  findProjectKeys,
  insertProject,
  listProjects,
  type ProjectRow,
  updateProject as updateProjectRow,
} from '../store/projects.js';
import type { Database } from '../store/schema.js';
import {
  type OrgAccess,
  orgAccess,
  requireOrgAdmin,
  requirePermission,
  requireProjectAccess,
} from './access.js';
import { isoNow, type ServiceDeps } from './context.js';

export interface Project {
  id: string;
  key: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export function presentProject(row: ProjectRow): Project {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function projectTarget(row: ProjectRow) {
  return { type: 'project' as const, id: row.id, name: row.key };
}

/** The project of the organization with this key; NOT_FOUND otherwise. */
export async function projectIn(
  deps: ServiceDeps,
  access: OrgAccess,
  key: string,
): Promise<ProjectRow> {
  const project = await findProject(deps.store.db, access.org.id, key);
  if (!project) throw new AppError('NOT_FOUND', 'Project not found.');
  return project;
}

/** Projects of an organization by key; any member may browse them. */
export async function pageProjects(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Project>> {
  const access = await orgAccess(deps, actor, orgKey);
  requirePermission(access, 'project:browse');
  const limits = access.limits;
  let after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  if (!limits || limits.projects.mode === 'all') {
    const rows = await listProjects(deps.store.db, access.org.id, { limit: page.limit, after });
    return toPage(rows, page.limit, (row) => [row.key], presentProject);
  }
  // A token sees only the projects in its scope. The store filters by the scope's keys and
  // patterns, so a scope that matches little costs little; rows its LIKE lets through in
  // another letter case are dropped here, reading on until the page is full.
  const scope = limits.projects;
  const rows: ProjectRow[] = [];
  // Batches of at least 200 rows, so that a page of one costs no more queries than a page of 200.
  const batchSize = Math.max(page.limit, 200);
  for (;;) {
    const batch = await listProjects(
      deps.store.db,
      access.org.id,
      { limit: batchSize, after },
      scope,
    );
    rows.push(...batch.filter((row) => scopeIncludes(scope, row.key)));
    const last = batch.at(-1);
    if (rows.length > page.limit || batch.length <= batchSize || !last) break;
    after = last.key;
  }
  return toPage(rows, page.limit, (row) => [row.key], presentProject);
}

/** One project; any member may read it. */
export async function getProject(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
): Promise<Project> {
  const access = await orgAccess(deps, actor, orgKey);
  requireProjectAccess(access, 'project:browse', projectKey);
  return presentProject(await projectIn(deps, access, projectKey));
}

/**
 * Inserts a project and its project.created event in the caller's transaction. Shared by
 * admins creating projects and by organization tokens provisioning them on first analysis.
 */
export async function insertProjectAudited(
  trx: Kysely<Database>,
  orgId: string,
  input: { key: string; name: string },
  actor: Actor,
  meta: RequestMeta,
  now: string,
  details: Record<string, unknown> = {},
): Promise<ProjectRow> {
  const row: ProjectRow = {
    id: newId(Date.parse(now)),
    org_id: orgId,
    key: input.key,
    name: input.name.trim(),
    created_at: now,
    updated_at: now,
  };
  await insertProject(trx, row);
  await recordAudit(trx, {
    orgId,
    at: now,
    action: 'project.created',
    actor,
    target: projectTarget(row),
    meta,
    details,
  });
  return row;
}

/** Creates a project (org admins); a taken key is a CONFLICT decided by the store. */
export async function createProject(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  input: { key: string; name: string },
  meta: RequestMeta,
): Promise<Project> {
  const access = await orgAccess(deps, actor, orgKey);
  requireOrgAdmin(access);
  const row = await deps.store.db
    .transaction()
    .execute((trx) => insertProjectAudited(trx, access.org.id, input, actor, meta, isoNow(deps)));
  return presentProject(row);
}

/** Renames a project (org admins). */
export async function updateProject(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
  input: { name: string },
  meta: RequestMeta,
): Promise<Project> {
  const access = await orgAccess(deps, actor, orgKey);
  requireOrgAdmin(access);
  const project = await projectIn(deps, access, projectKey);
  const now = isoNow(deps);
  const changed: ProjectRow = { ...project, name: input.name.trim(), updated_at: now };
  await deps.store.db.transaction().execute(async (trx) => {
    await updateProjectRow(trx, project.id, { name: changed.name, updated_at: now });
    await recordAudit(trx, {
      orgId: access.org.id,
      at: now,
      action: 'project.updated',
      actor,
      target: projectTarget(project),
      meta,
      details: { name: { from: project.name, to: changed.name } },
    });
  });
  return presentProject(changed);
}

/** Deletes a project and, through the foreign keys, everything stored under it (org admins). */
export async function deleteProject(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  projectKey: string,
  meta: RequestMeta,
): Promise<void> {
  const access = await orgAccess(deps, actor, orgKey);
  requireOrgAdmin(access);
  const project = await projectIn(deps, access, projectKey);
  await deps.store.db.transaction().execute(async (trx) => {
    await deleteProjectRow(trx, project.id);
    await recordAudit(trx, {
      orgId: access.org.id,
      at: isoNow(deps),
      action: 'project.deleted',
      actor,
      target: projectTarget(project),
      meta,
    });
  });
}

/** A requested project scope, normalized; selected keys must name existing projects. */
export async function checkProjectScope(
  deps: ServiceDeps,
  orgId: string,
  scope: ProjectScopeInput,
  field = '/body/projects',
): Promise<ProjectScope> {
  const checked = checkScope(scope, field);
  if (checked.mode === 'selected' && checked.keys.length > 0) {
    const existing = new Set(await findProjectKeys(deps.store.db, orgId, checked.keys));
    const missing = checked.keys.findIndex((key) => !existing.has(key));
    if (missing >= 0) {
      throw invalid(
        `${field}/keys/${missing}`,
        `project ${JSON.stringify(checked.keys[missing])} does not exist in this organization`,
      );
    }
  }
  return checked;
}
