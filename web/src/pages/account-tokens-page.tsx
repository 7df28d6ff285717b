import { useState } from 'react';
import { Button, Form, RadioGroup } from 'react-aria-components';
import { personalTokenPermissions } from '../../../src/domain/permissions.js';
import { api, everyPage } from '../api/client.js';
import type { Permission, PersonalToken, ProjectScope, WithSecret } from '../api/types.js';
import { Confirm } from '../components/confirm.js';
import {
  defaultExpiration,
  type Expiration,
  ExpirationPicker,
  expiresAtOf,
} from '../components/expiration.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { Choice, Field, Radio } from '../components/fields.js';
import { LoadMore } from '../components/load-more.js';
import { Expiry, RelativeTime } from '../components/time.js';
import {
  loadAllProjects,
  PermissionsPicker,
  ProjectScopePicker,
  permissionChoices,
  scopeProblem,
  scopeWithPatterns,
} from '../components/token-fields.js';
import { SecretReveal, StatusBadge } from '../components/tokens.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';
import { useSubmit } from '../hooks/use-submit.js';
import { useUser } from '../session.js';

const personalChoices = permissionChoices.filter(([permission]) =>
  (personalTokenPermissions as readonly string[]).includes(permission),
);

/** What a new token may do: everything its user may, or only what is chosen here. */
function Narrowing({
  value,
  onChange,
}: {
  value: NarrowingChoice;
  onChange(value: NarrowingChoice): void;
}) {
  const orgs = useLoad(() => everyPage((cursor) => api.orgs(cursor)), []);
  const projects = useLoad(
    () => (value.org !== anyOrg ? loadAllProjects(value.org) : Promise.resolve([])),
    [value.org],
  );
  return (
    <fieldset className="fieldset">
      <legend>What the token may do</legend>
      <RadioGroup
        className="radio-group"
        aria-label="What the token may do"
        value={value.narrowed ? 'narrowed' : 'all'}
        onChange={(mode) => onChange({ ...value, narrowed: mode === 'narrowed' })}
      >
        <Radio value="all">Everything I may do, in every organization I belong to</Radio>
        <Radio value="narrowed">Only the permissions and projects I choose</Radio>
      </RadioGroup>
      {value.narrowed && (
        <>
          <PermissionsPicker
            value={value.permissions}
            onChange={(permissions) => onChange({ ...value, permissions })}
            choices={personalChoices}
            problem={value.permissions.length === 0 ? 'Choose at least one permission.' : undefined}
          />
          <ErrorNotice error={orgs.error} />
          <Choice
            label="Organization"
            placeholder="Any of my organizations"
            choices={[
              [anyOrg, 'Any of my organizations'],
              ...(orgs.data ?? []).map((org) => [org.key, org.name] as const),
            ]}
            value={value.org}
            onChange={(org) =>
              onChange({ ...value, org, projects: { mode: 'all' }, patternsText: '' })
            }
          />
          {value.org !== anyOrg && (
            <ProjectScopePicker
              value={value.projects}
              onChange={(projects) => onChange({ ...value, projects })}
              projects={projects.data ?? []}
              patternsText={value.patternsText}
              onPatternsTextChange={(patternsText) => onChange({ ...value, patternsText })}
            />
          )}
        </>
      )}
    </fieldset>
  );
}

// Not an organization key: keys start with a letter or digit.
const anyOrg = '*';

interface NarrowingChoice {
  narrowed: boolean;
  permissions: Permission[];
  /** anyOrg, or an organization key. */
  org: string;
  projects: ProjectScope;
  patternsText: string;
}

const unrestricted: NarrowingChoice = {
  narrowed: false,
  permissions: ['analysis:execute'],
  org: anyOrg,
  projects: { mode: 'all' },
  patternsText: '',
};

/** The request's narrowing fields, or why the choice cannot be sent. */
function narrowingOf(
  choice: NarrowingChoice,
): { permissions?: Permission[]; org?: string; projects?: ProjectScope } | { problem: string } {
  if (!choice.narrowed) return {};
  if (choice.permissions.length === 0) return { problem: 'Choose at least one permission.' };
  if (choice.org === anyOrg) return { permissions: choice.permissions };
  const projects = scopeWithPatterns(choice.projects, choice.patternsText);
  const problem = scopeProblem(projects);
  if (problem) return { problem };
  return { permissions: choice.permissions, org: choice.org, projects };
}

function CreatePersonalToken({ onCreated }: { onCreated(token: WithSecret<PersonalToken>): void }) {
  const [name, setName] = useState('');
  const [expiration, setExpiration] = useState<Expiration>(defaultExpiration);
  const [narrowing, setNarrowing] = useState<NarrowingChoice>(unrestricted);
  const [problem, setProblem] = useState<string | undefined>();
  const [narrowingProblem, setNarrowingProblem] = useState<string | undefined>();
  const { submit, error, busy } = useSubmit(async () => {
    const when = expiresAtOf(expiration);
    const narrowed = narrowingOf(narrowing);
    setProblem('problem' in when ? when.problem : undefined);
    setNarrowingProblem('problem' in narrowed ? narrowed.problem : undefined);
    if ('problem' in when || 'problem' in narrowed) return;
    onCreated(
      await api.createPersonalToken({ name: name.trim(), expiresAt: when.expiresAt, ...narrowed }),
    );
    setName('');
    setNarrowing(unrestricted);
  });
  return (
    <section aria-labelledby="create-pat">
      <h2 id="create-pat">Generate a personal access token</h2>
      <Form className="form" onSubmit={submit}>
        <Field label="Token name" value={name} onChange={setName} isRequired maxLength={100} />
        <ExpirationPicker value={expiration} onChange={setExpiration} problem={problem} />
        <Narrowing value={narrowing} onChange={setNarrowing} />
        {narrowingProblem && (
          <p className="field-error" role="alert">
            {narrowingProblem}
          </p>
        )}
        <ErrorNotice error={error} />
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          Generate token
        </Button>
      </Form>
    </section>
  );
}

/** What a token is limited to, in a few words for its row. */
function narrowingSummary(token: PersonalToken): string {
  if (token.permissions === null && token.org === null) return 'Everything you may do';
  const what = (token.permissions ?? ['all permissions']).join(', ');
  if (token.org === null) return `${what} · any organization`;
  const scope =
    token.projects === null || token.projects.mode === 'all'
      ? 'all projects'
      : [...(token.projects.keys ?? []), ...(token.projects.patterns ?? [])].join(', ');
  return `${what} · ${token.org}: ${scope}`;
}

/** My account: who I am, and my personal access tokens. */
export function AccountTokensPage() {
  const user = useUser();
  const tokens = usePaged((cursor) => api.personalTokens(cursor), []);
  const [created, setCreated] = useState<WithSecret<PersonalToken> | null>(null);
  const [revoking, setRevoking] = useState<PersonalToken | null>(null);
  usePageTitle('My account');
  return (
    <section>
      <h1>My account</h1>
      <dl className="details">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>User id</dt>
        <dd className="mono">{user.id}</dd>
      </dl>
      <h2>Personal access tokens</h2>
      <p className="lead">
        A personal access token acts as you, in every organization you belong to, and stops when you
        leave one. Narrow it to the permissions and projects a script needs; it never goes beyond
        your own rights. For pipelines, prefer an organization token.
      </p>
      {created && (
        <SecretReveal secret={created.token} title={`Your new token “${created.name}”`} />
      )}
      <ErrorNotice error={tokens.error} />
      {tokens.loading ? (
        <Loading what="your tokens" />
      ) : tokens.items.length === 0 ? (
        <p className="empty">You have no personal access tokens.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Your personal access tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">May do</th>
              <th scope="col">Status</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.items.map((token) => (
              <tr key={token.id}>
                <th scope="row">
                  {token.name}
                  <div className="muted mono">{token.hint}…</div>
                </th>
                <td data-label="May do">{narrowingSummary(token)}</td>
                <td>
                  <StatusBadge status={token.status} />
                </td>
                <td data-label="Last used">
                  <RelativeTime at={token.lastUsedAt} />
                </td>
                <td data-label="Expires">
                  <Expiry at={token.expiresAt} />
                </td>
                <td>
                  {token.status !== 'revoked' && (
                    <Button className="button button-quiet" onPress={() => setRevoking(token)}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore loadMore={tokens.loadMore} />
      <CreatePersonalToken
        onCreated={(token) => {
          setCreated(token);
          tokens.reload();
        }}
      />
      {revoking && (
        <Confirm
          isOpen
          onOpenChange={(open) => !open && setRevoking(null)}
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke token"
          danger
          onConfirm={async () => {
            await api.revokePersonalToken(revoking.id);
            tokens.reload();
          }}
        >
          <p>Anything using this token fails from now on. This cannot be undone.</p>
        </Confirm>
      )}
    </section>
  );
}
