import { type FormEvent, useState } from 'react';
import { Button, Form, Label, RadioGroup } from 'react-aria-components';
import { checkConditions } from '../../../src/domain/claim-conditions.js';
import { ApiError } from '../api/client.js';
import type {
  NewTrustPolicy,
  Permission,
  Project,
  ProjectScope,
  TrustPolicy,
} from '../api/types.js';
import { projectPlaceholder } from './ci-setup.js';
import { ErrorNotice } from './feedback.js';
import { fieldRefusal } from './field-messages.js';
import { Choice, Field, Radio } from './fields.js';
import {
  PermissionsPicker,
  ProjectScopePicker,
  scopeProblem,
  scopeWithPatterns,
} from './token-fields.js';
import {
  type ConditionRow,
  ConditionsEditor,
  claimsOf,
  conditionRows,
} from './trust-policy-claims.js';
import {
  type CiSystem,
  ciSystemOf,
  lifetimeText,
  ownerProblem,
  presets,
} from './trust-policy-presets.js';
import { PipelineSnippet } from './trust-policy-snippet.js';

const systems: readonly CiSystem[] = ['github', 'gitlab', 'custom'];

// The API allows 60–3600 seconds (default 900); these are the choices offered, and a stored
// policy's own lifetime is offered too when it is another.
const lifetimes = [300, 600, 900, 1800, 3600];
const defaultLifetime = 900;

const provisionNeedsAll =
  'Only with all current and future projects in scope: with selected projects it creates nothing.';

const rules = {
  issuer:
    'Enter the issuer’s URL exactly as its tokens’ iss claim says it, such as https://gitlab.com.',
  audience: 'Enter the audience of 1 to 500 characters that the CI asks its token for.',
  claims:
    'Each claim is named by 1 to 64 characters and each value is text; at most 20 conditions.',
  ttlSeconds: 'Choose how long each token lasts: from 1 minute to 1 hour.',
};

type Problems = Partial<
  Record<'name' | 'issuer' | 'audience' | 'claims' | 'projects' | 'permissions' | 'ttl', string>
>;

/** Why the issuer typed cannot be one, before sending it (the server checks https). */
function issuerProblem(text: string): string | undefined {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : rules.issuer;
  } catch {
    return rules.issuer;
  }
}

/** The server's refusal of a field, as the form shows it: under that field. */
function refusalOf(error: unknown): { field: keyof Problems; message: string } | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'CONFLICT') return { field: 'name', message: error.message };
  if (error.code !== 'VALIDATION_FAILED' || !error.field) return null;
  // `/body/claims/<name>` names the claim: the refusal is the conditions'.
  if (error.field.startsWith('/body/claims')) {
    const own = !error.message.startsWith(`${error.field} `);
    return { field: 'claims', message: own ? error.message : rules.claims };
  }
  const refusal = fieldRefusal(
    error,
    ['name', 'issuer', 'audience', 'keys', 'patterns', 'projects', 'permissions', 'ttlSeconds'],
    rules,
  );
  if (!refusal) return null;
  const field = (
    { keys: 'projects', patterns: 'projects', ttlSeconds: 'ttl' } as Record<string, keyof Problems>
  )[refusal.field];
  return { field: field ?? (refusal.field as keyof Problems), message: refusal.message };
}

interface TrustPolicyFormProps {
  org: string;
  /** The policy being changed; none when adding one. */
  policy?: TrustPolicy;
  projects: Project[];
  /** The server's URL: the audience to begin with, and the snippet's ORGTOKEN_URL. */
  serverUrl: string;
  submitLabel: string;
  onSubmit(body: NewTrustPolicy): Promise<unknown>;
  onCancel?: () => void;
}

/**
 * A trust policy's fields: for a new one, the CI system first (GitHub Actions, GitLab CI,
 * another issuer), which fills in the issuer and offers that system's claims as
 * conditions, and the pipeline configuration to paste, following what is typed. What the
 * form can check itself is said beside the field before sending; the server's refusal goes
 * there too, and what was typed survives it.
 */
export function TrustPolicyForm({
  org,
  policy,
  projects,
  serverUrl,
  submitLabel,
  onSubmit,
  onCancel,
}: TrustPolicyFormProps) {
  const [system, setSystem] = useState<CiSystem>(policy ? ciSystemOf(policy) : 'github');
  const [name, setName] = useState(policy?.name ?? '');
  const [issuer, setIssuer] = useState(policy?.issuer ?? presets.github.issuer);
  const [audience, setAudience] = useState(policy?.audience ?? serverUrl);
  const [rows, setRows] = useState<ConditionRow[]>(() =>
    conditionRows(policy ? ciSystemOf(policy) : 'github', policy?.claims),
  );
  const [ttl, setTtl] = useState(policy?.ttlSeconds ?? defaultLifetime);
  const [scope, setScope] = useState<ProjectScope>(
    policy?.projects ?? { mode: 'selected', keys: [] },
  );
  const [patternsText, setPatternsText] = useState(
    policy?.projects.mode === 'selected' ? policy.projects.patterns.join(', ') : '',
  );
  const [permissions, setPermissions] = useState<Permission[]>(
    policy?.permissions ?? ['analysis:execute'],
  );
  const [problems, setProblems] = useState<Problems>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  function choose(next: CiSystem) {
    setSystem(next);
    setIssuer(presets[next].issuer);
    setRows(conditionRows(next));
    setProblems({});
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: Problems = {};
    const conditions = claimsOf(rows);
    const claims = 'claims' in conditions ? conditions.claims : {};
    const fullScope = scopeWithPatterns(scope, patternsText);
    if (!name.trim()) found.name = 'Give the policy a name.';
    found.issuer = issuerProblem(issuer);
    if (!audience.trim()) found.audience = rules.audience;
    found.claims =
      'problem' in conditions
        ? conditions.problem
        : (checkConditions(claims) ?? ownerProblem(system, claims) ?? undefined);
    found.projects = scopeProblem(fullScope);
    if (permissions.length === 0) found.permissions = 'Choose at least one permission.';
    const shown = Object.fromEntries(
      Object.entries(found).filter(([, problem]) => problem !== undefined),
    );
    setProblems(shown);
    if (Object.keys(shown).length > 0) return;
    setBusy(true);
    setFailure(null);
    try {
      await onSubmit({
        name: name.trim(),
        issuer: issuer.trim(),
        audience: audience.trim(),
        claims,
        permissions,
        projects: fullScope,
        ttlSeconds: ttl,
      });
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) setProblems({ [refusal.field]: refusal.message });
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const typed = claimsOf(rows);
  const firstKey = scope.mode === 'selected' ? scope.keys?.[0] : undefined;
  const ttlChoices = [...new Set([...lifetimes, ttl])]
    .sort((a, b) => a - b)
    .map((seconds) => [String(seconds), lifetimeText(seconds)] as const);
  return (
    <>
      <Form className="form" onSubmit={submit} validationBehavior="aria">
        {!policy && (
          <RadioGroup
            className="radio-group"
            value={system}
            onChange={(value) => choose(value as CiSystem)}
          >
            <Label>CI system</Label>
            {systems.map((id) => (
              <Radio key={id} value={id}>
                {presets[id].label}
              </Radio>
            ))}
          </RadioGroup>
        )}
        <Field
          label="Name"
          description="Say which pipelines it is for, e.g. “ledger-api, main branch”."
          value={name}
          onChange={setName}
          isRequired
          maxLength={100}
          problem={problems.name}
          autoFocus={!policy}
        />
        <Field
          label="Issuer"
          description={presets[system].issuerHelp}
          type="url"
          inputMode="url"
          value={issuer}
          onChange={setIssuer}
          placeholder="https://ci.example.com"
          problem={problems.issuer}
        />
        <Field
          label="Audience"
          description={
            system === 'gitlab'
              ? 'The aud of the job’s id_tokens. This server’s URL unless you choose another.'
              : 'The aud the CI asks its token for. orgtoken analyze asks for this server’s URL unless ORGTOKEN_OIDC_AUDIENCE says otherwise.'
          }
          value={audience}
          onChange={setAudience}
          maxLength={500}
          problem={problems.audience}
        />
        <ConditionsEditor rows={rows} onChange={setRows} problem={problems.claims} />
        <Choice
          label="Each token lasts"
          choices={ttlChoices}
          value={String(ttl)}
          onChange={(value) => setTtl(Number(value))}
        />
        {problems.ttl && <p className="field-error">{problems.ttl}</p>}
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
        <ErrorNotice error={failure} />
        <div className="actions">
          <Button type="submit" className="button button-primary" isDisabled={busy}>
            {submitLabel}
          </Button>
          {onCancel && (
            <Button className="button button-quiet" onPress={onCancel}>
              Cancel
            </Button>
          )}
        </div>
      </Form>
      {!policy && (
        <PipelineSnippet
          system={system}
          input={{
            url: serverUrl,
            audience: audience.trim() || serverUrl,
            org,
            project: firstKey ?? projectPlaceholder,
            claims: 'claims' in typed ? typed.claims : {},
          }}
        />
      )}
    </>
  );
}
