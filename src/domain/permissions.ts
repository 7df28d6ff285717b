/**
 * The permission registry: every permission an organization token can hold. Add new ones
 * here; schemas, docs and the UI read this list.
 */
export const permissionRegistry = {
  'analysis:execute': 'Upload analyses to projects in scope',
  'project:browse': 'Read projects in scope, their analyses, issues and quality-gate status',
  'project:provision':
    'With all projects in scope, an analysis for a project key that does not exist yet creates it',
} as const;

export type Permission = keyof typeof permissionRegistry;

export const permissions = Object.keys(permissionRegistry) as Permission[];

/** The permissions a personal access token can be narrowed to (it never provisions). */
export const personalTokenPermissions = [
  'analysis:execute',
  'project:browse',
] as const satisfies readonly Permission[];
