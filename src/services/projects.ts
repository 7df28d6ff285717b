import type { Project } from '../contract/projects.js';
import type { Caller } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import {
  checkScope,
  type ProjectScope,
  type ProjectScopeInput,
  scopeIncludes,
} from '../domain/project-scope.js';
import { projectReadBy, rememberProjectRead } from '../runtime/verified-reads.js';
import {
  deleteProject as deleteProjectRow,
  findOrgRoleAndProject,
  findProject,
  findProjectKeys,
  insertProject,
  listProjects,
  type ProjectRow,
  updateProject as updateProjectRow,
} from '../store/projects.js';
import {
  type OrgAccess,
  orgAccess,
  personAccess,
  requireOrgAdmin,
  requirePermission,
  requireProjectAccess,
  tokenAccess,
} from './access.js';
import { type AuditedWrite, audited, targetOf } from './audited.js';
import type { ServiceDeps } from './context.js';
import type { OrgRef, PageRequest, ProjectRef } from './refs.js';

export function presentProject(row: ProjectRow): Project {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const projectNotFound = () => new AppError('NOT_FOUND', 'Project not found.');

/** The project of the organization with this key; NOT_FOUND otherwise. */
export async function projectIn(
  deps: ServiceDeps,
  access: OrgAccess,
  key: string,
): Promise<ProjectRow> {
  const project = await findProject(deps.store.db, access.org.id, key);
  if (!project) throw projectNotFound();
  return project;
}

/** The project a change is made to, once the caller is known to be an org admin. */
export async function projectForAdmin(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
): Promise<{ access: OrgAccess; project: ProjectRow }> {
  const access = await orgAccess(deps, caller.actor, ref.org);
  requireOrgAdmin(access);
  return { access, project: await projectIn(deps, access, ref.projectKey) };
}

/** Projects of an organization by key; any member may browse them. */
export async function pageProjects(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  page: PageRequest,
): Promise<Page<Project>> {
  const access = await orgAccess(deps, caller.actor, ref.org);
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

/**
 * One project; any member may read it. The checks and answers are orgAccess's and
 * projectIn's, in at most one store read: an organization token's organization comes from
 * its verification (tokenAccess), and so does a project it read before (verified-reads.ts);
 * a person's role comes with the project, read afresh every time.
 */
export async function getProject(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
): Promise<Project> {
  const { actor } = caller;
  if (actor.type === 'organization_token') {
    const access = tokenAccess(actor, ref.org);
    requireProjectAccess(access, 'project:browse', ref.projectKey);
    const known = projectReadBy(actor, ref.projectKey);
    if (known) return presentProject(known);
    const project = await findProject(deps.store.db, access.orgId, ref.projectKey);
    if (!project) throw projectNotFound();
    rememberProjectRead(actor, project);
    return presentProject(project);
  }
  const found = await findOrgRoleAndProject(deps.store.db, ref.org, actor.id, ref.projectKey);
  requireProjectAccess(personAccess(actor, found), 'project:browse', ref.projectKey);
  if (!found?.project) throw projectNotFound();
  return presentProject(found.project);
}

/**
 * Inserts a project and its project.created event in the write it is part of. Shared by admins
 * creating projects and by organization tokens provisioning them on first analysis.
 */
export async function insertProjectAudited(
  tx: AuditedWrite,
  orgId: string,
  input: { key: string; name: string },
  details: Record<string, unknown> = {},
): Promise<ProjectRow> {
  const row: ProjectRow = {
    id: newId(Date.parse(tx.at)),
    org_id: orgId,
    key: input.key,
    name: input.name.trim(),
    created_at: tx.at,
    updated_at: tx.at,
  };
  await insertProject(tx.db, row);
  await tx.record({ orgId, action: 'project.created', target: targetOf.project(row), details });
  return row;
}

/** Creates a project (org admins); a taken key is a CONFLICT decided by the store. */
export async function createProject(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: { key: string; name: string },
): Promise<Project> {
  const access = await orgAccess(deps, caller.actor, ref.org);
  requireOrgAdmin(access);
  const row = await audited(deps, caller, (tx) => insertProjectAudited(tx, access.org.id, input));
  return presentProject(row);
}

/** Renames a project (org admins). */
export async function updateProject(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
  input: { name: string },
): Promise<Project> {
  const { access, project } = await projectForAdmin(deps, caller, ref);
  const changed = await audited(deps, caller, async (tx) => {
    const changed: ProjectRow = { ...project, name: input.name.trim(), updated_at: tx.at };
    await updateProjectRow(tx.db, project.id, { name: changed.name, updated_at: tx.at });
    await tx.record({
      orgId: access.org.id,
      action: 'project.updated',
      target: targetOf.project(project),
      details: { name: { from: project.name, to: changed.name } },
    });
    return changed;
  });
  // Its tokens' verifications remember the project as they read it (getProject).
  deps.invalidate.org(access.org.id);
  return presentProject(changed);
}

/**
 * Deletes a project and, through the foreign keys (and on PostgreSQL the trigger that deletes
 * an analysis's issues), everything stored under it (org admins).
 */
export async function deleteProject(
  deps: ServiceDeps,
  caller: Caller,
  ref: ProjectRef,
): Promise<void> {
  const { access, project } = await projectForAdmin(deps, caller, ref);
  await audited(deps, caller, async (tx) => {
    await deleteProjectRow(tx.db, project.id);
    await tx.record({
      orgId: access.org.id,
      action: 'project.deleted',
      target: targetOf.project(project),
    });
  });
  // Its tokens' verifications remember the project as they read it (getProject).
  deps.invalidate.org(access.org.id);
}

/** A requested project scope, normalized; selected keys must name existing projects. */
export async function checkProjectScope(
  deps: ServiceDeps,
  orgId: string,
  scope: ProjectScopeInput,
  field = 'projects',
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
