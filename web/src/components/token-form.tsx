import { type FormEvent, useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { ApiError, type TokenInput } from '../api/client.js';
import type { OrgToken, Permission, Project, ProjectScope, TokenPolicy } from '../api/types.js';
import { type Expiration, ExpirationPicker, expiresAtOf, initialExpiration } from './expiration.js';
import { ErrorNotice } from './feedback.js';
import { Field } from './fields.js';
import {
  PermissionsPicker,
  ProjectScopePicker,
  scopeProblem,
  scopeWithPatterns,
} from './token-fields.js';

interface TokenFormProps {
  /** The token being edited; none when creating one. */
  token?: OrgToken;
  projects: Project[];
  policy?: TokenPolicy | undefined;
  submitLabel: string;
  onSubmit(input: TokenInput): Promise<unknown>;
}

/**
 * The fields of an organization token. Creating asks for the expiration too; editing never
 * does (the expiry of a token cannot change). What the person typed survives a refusal.
 */
export function TokenForm({ token, projects, policy, submitLabel, onSubmit }: TokenFormProps) {
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
      });
    } catch (error) {
      setFailure(error);
      if (error instanceof ApiError && error.field?.startsWith('/body/name')) {
        setProblems({ name: error.message });
      }
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
        onChange={setScope}
        projects={projects}
        patternsText={patternsText}
        onPatternsTextChange={setPatternsText}
        problem={problems.projects}
      />
      <PermissionsPicker
        value={permissions}
        onChange={setPermissions}
        problem={problems.permissions}
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
