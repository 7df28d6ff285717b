import { type FormEvent, useState } from 'react';
import { Button, Form } from 'react-aria-components';
import type { TokenInput } from '../api/client.js';
import type {
  Organization,
  OrgToken,
  Permission,
  Project,
  ProjectScope,
  TokenPolicy,
} from '../api/types.js';
import { type Expiration, ExpirationPicker, expiresAtOf, initialExpiration } from './expiration.js';
import { ErrorNotice } from './feedback.js';
import { fieldRefusal } from './field-messages.js';
import { Field } from './fields.js';
import {
  PermissionsPicker,
  ProjectScopePicker,
  parsePatterns,
  scopeProblem,
  scopeWithPatterns,
} from './token-fields.js';

/** The fields of the form a refusal of the server can name, and where each is shown. */
const refusedFields: Record<string, string> = {
  name: 'name',
  description: 'description',
  expiresAt: 'expiration',
  keys: 'projects',
  patterns: 'projects',
  projects: 'projects',
  permissions: 'permissions',
  allowedCidrs: 'allowedCidrs',
};

// project:provision creates a project on the first analysis of an unknown key, and only a
// token scoped to all projects has unknown keys in scope (docs/concepts.md).
const provisionNeedsAll =
  'Only with all current and future projects in scope: with selected projects it creates nothing.';

interface TokenFormProps {
  /** The token being edited; none when creating one. */
  token?: OrgToken;
  /** What the organization's plan includes: the IP allowlist needs its plan. */
  features: Organization['features'];
  projects: Project[];
  policy?: TokenPolicy | undefined;
  submitLabel: string;
  onSubmit(input: TokenInput): Promise<unknown>;
}

/**
 * The fields of an organization token. Creating asks for the expiration too; editing never
 * does (the expiry of a token cannot change). What the person typed survives a refusal.
 */
export function TokenForm({
  token,
  features,
  projects,
  policy,
  submitLabel,
  onSubmit,
}: TokenFormProps) {
  const [name, setName] = useState(token?.name ?? '');
  const [description, setDescription] = useState(token?.description ?? '');
  const [expiration, setExpiration] = useState<Expiration>(() => initialExpiration(policy));
  const [scope, setScope] = useState<ProjectScope>(
    token?.projects ?? { mode: 'selected', keys: [] },
  );
  const [patternsText, setPatternsText] = useState(
    token?.projects.mode === 'selected' ? (token.projects.patterns ?? []).join(', ') : '',
  );
  const [permissions, setPermissions] = useState<Permission[]>(
    token?.permissions ?? ['analysis:execute'],
  );
  const [cidrsText, setCidrsText] = useState((token?.allowedCidrs ?? []).join(', '));
  const allowlist = features.ipAllowlist;
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fullScope = scopeWithPatterns(scope, patternsText);
    const when = token ? { expiresAt: token.expiresAt } : expiresAtOf(expiration);
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Give the token a name.';
    if ('problem' in when) found.expiration = when.problem;
    const scopeIssue = scopeProblem(fullScope);
    if (scopeIssue) found.projects = scopeIssue;
    if (permissions.length === 0) found.permissions = 'Choose at least one permission.';
    setProblems(found);
    if (Object.keys(found).length > 0 || 'problem' in when) return;
    setBusy(true);
    setFailure(null);
    try {
      await onSubmit({
        name: name.trim(),
        description,
        permissions,
        projects: fullScope,
        expiresAt: when.expiresAt,
        // Sent only where the plan includes it: a token that kept an allowlist through a
        // downgrade keeps it, and an edit of its name is not refused for it.
        ...(allowlist.included ? { allowedCidrs: parsePatterns(cidrsText) } : {}),
      });
    } catch (error) {
      const refusal = fieldRefusal(error, Object.keys(refusedFields));
      const shownAt = refusal && refusedFields[refusal.field];
      if (refusal && shownAt) setProblems({ [shownAt]: refusal.message });
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Form className="form" onSubmit={submit} validationBehavior="aria">
      <Field
        label="Name"
        description="Say what uses it, e.g. “GitHub Actions — backend”."
        value={name}
        onChange={setName}
        isRequired
        maxLength={100}
        problem={problems.name}
        autoFocus
      />
      <Field
        label="Description (optional)"
        multiline
        value={description}
        onChange={setDescription}
        maxLength={500}
        problem={problems.description}
      />
      {!token && (
        <ExpirationPicker
          value={expiration}
          onChange={setExpiration}
          policy={policy}
          problem={problems.expiration}
        />
      )}
      <ProjectScopePicker
        value={scope}
        onChange={(next) => {
          setScope(next);
          if (scope.mode === 'all' && next.mode === 'selected')
            setPermissions((chosen) => chosen.filter((p) => p !== 'project:provision'));
        }}
        projects={projects}
        patternsText={patternsText}
        onPatternsTextChange={setPatternsText}
        problem={problems.projects}
      />
      <PermissionsPicker
        value={permissions}
        onChange={setPermissions}
        problem={problems.permissions}
        unavailable={
          scope.mode === 'selected' && !permissions.includes('project:provision')
            ? { 'project:provision': provisionNeedsAll }
            : {}
        }
      />
      <Field
        label="Allowed networks (optional)"
        description={
          allowlist.included
            ? 'Addresses or ranges the token may be used from, such as 203.0.113.0/24, separated by commas. Empty: any address.'
            : allowlist.message
        }
        value={cidrsText}
        onChange={setCidrsText}
        isDisabled={!allowlist.included}
        problem={problems.allowedCidrs}
      />
      <ErrorNotice error={failure} />
      <div className="actions">
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          {submitLabel}
        </Button>
      </div>
    </Form>
  );
}
