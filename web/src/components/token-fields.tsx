import { useMemo, useState } from 'react';
import { CheckboxGroup, Input, Label, RadioGroup, SearchField, Text } from 'react-aria-components';
import { permissionRegistry } from '../../../src/domain/permissions.js';
import { api, everyPage } from '../api/client.js';
import type { Permission, Project, ProjectScope } from '../api/types.js';
import { Checkbox, Field, Radio } from './fields.js';

export const permissionChoices = Object.entries(permissionRegistry) as [Permission, string][];

/** Every project of an organization (up to 5,000), for the scope picker. */
export function loadAllProjects(org: string): Promise<Project[]> {
  return everyPage((cursor) => api.projects(org, { limit: 200, cursor }));
}

const shownAtOnce = 50;

/** Patterns typed as "a-*, b-*" or one per line. */
export function parsePatterns(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((pattern) => pattern.trim())
    .filter(Boolean);
}

/**
 * Project scope: "all current and future projects", or chosen projects picked from a
 * searchable list (plus optional key patterns such as `backend-*`).
 */
export function ProjectScopePicker({
  value,
  onChange,
  projects,
  patternsText,
  onPatternsTextChange,
  problem,
}: {
  value: ProjectScope;
  onChange(value: ProjectScope): void;
  projects: Project[];
  patternsText: string;
  onPatternsTextChange(text: string): void;
  problem?: string | undefined;
}) {
  const [search, setSearch] = useState('');
  const keys = value.mode === 'selected' ? (value.keys ?? []) : [];
  const matches = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return projects.filter(
      (project) =>
        !needle ||
        project.key.toLowerCase().includes(needle) ||
        project.name.toLowerCase().includes(needle),
    );
  }, [projects, search]);
  const shown = matches.slice(0, shownAtOnce);
  // Chosen projects that the search hides stay chosen, and stay listed.
  const hiddenChosen = keys.filter((key) => !shown.some((project) => project.key === key));

  return (
    <fieldset className="fieldset">
      <legend>Project scope</legend>
      <RadioGroup
        className="radio-group"
        aria-label="Project scope"
        value={value.mode}
        onChange={(mode) =>
          onChange(mode === 'all' ? { mode: 'all' } : { mode: 'selected', keys, patterns: [] })
        }
      >
        <Radio value="all">All current and future projects</Radio>
        <Radio value="selected">Selected projects</Radio>
      </RadioGroup>
      {value.mode === 'selected' && (
        <div className="scope-picker">
          <SearchField className="field" value={search} onChange={setSearch}>
            <Label>Search projects</Label>
            <Input placeholder="Key or name" />
          </SearchField>
          <CheckboxGroup
            className="checkbox-list"
            value={keys}
            onChange={(chosen) => onChange({ mode: 'selected', keys: chosen })}
            isInvalid={problem !== undefined}
          >
            <Label>Projects</Label>
            <Text slot="description">
              {keys.length} selected
              {matches.length > shownAtOnce &&
                ` · showing ${shownAtOnce} of ${matches.length} matches: refine the search`}
              {projects.length === 0 && ' · this organization has no projects yet'}
            </Text>
            <div className="checkbox-scroll">
              {shown.map((project) => (
                <Checkbox key={project.key} value={project.key}>
                  {project.name} <code>{project.key}</code>
                </Checkbox>
              ))}
              {hiddenChosen.map((key) => (
                <Checkbox key={key} value={key}>
                  <code>{key}</code>
                </Checkbox>
              ))}
            </div>
          </CheckboxGroup>
          <Field
            label="Key patterns (optional)"
            description="Globs such as backend-* also match projects created later. Separate them with commas."
            value={patternsText}
            onChange={onPatternsTextChange}
          />
          {problem && (
            <p className="field-error" role="alert">
              {problem}
            </p>
          )}
        </div>
      )}
    </fieldset>
  );
}

export function PermissionsPicker({
  value,
  onChange,
  problem,
  choices = permissionChoices,
  unavailable = {},
}: {
  value: Permission[];
  onChange(value: Permission[]): void;
  problem?: string | undefined;
  /** The permissions offered (default: every one an organization token can hold). */
  choices?: readonly (readonly [Permission, string])[];
  /** Permissions shown but not offered, each with the reason. */
  unavailable?: Partial<Record<Permission, string>>;
}) {
  return (
    <CheckboxGroup
      className="field checkbox-list"
      value={value}
      onChange={(chosen) => onChange(chosen as Permission[])}
      isInvalid={problem !== undefined}
    >
      <Label>Permissions</Label>
      {choices.map(([permission, meaning]) => {
        const reason = unavailable[permission];
        return (
          <Checkbox key={permission} value={permission} isDisabled={reason !== undefined}>
            <code>{permission}</code> <span className="muted">{meaning}</span>
            {reason && <span className="choice-reason">{reason}</span>}
          </Checkbox>
        );
      })}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </CheckboxGroup>
  );
}

/** The scope as sent to the API: chosen keys plus typed patterns. */
export function scopeWithPatterns(scope: ProjectScope, patternsText: string): ProjectScope {
  if (scope.mode === 'all') return scope;
  return { mode: 'selected', keys: scope.keys ?? [], patterns: parsePatterns(patternsText) };
}

/** Why a scope would be refused before sending it: a selected scope needs something in it. */
export function scopeProblem(scope: ProjectScope): string | undefined {
  if (scope.mode === 'all') return undefined;
  return (scope.keys?.length ?? 0) + (scope.patterns?.length ?? 0) === 0
    ? 'Choose at least one project or pattern, or all projects.'
    : undefined;
}
