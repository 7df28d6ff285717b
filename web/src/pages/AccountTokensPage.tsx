import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { api } from '../api/client.js';
import type { PersonalToken, WithSecret } from '../api/types.js';
import { Confirm } from '../components/Confirm.js';
import {
  defaultExpiration,
  type Expiration,
  ExpirationPicker,
  expiresAtOf,
} from '../components/expiration.js';
import { ErrorNotice, Loading } from '../components/Feedback.js';
import { Field } from '../components/fields.js';
import { LoadMore } from '../components/LoadMore.js';
import { Expiry, RelativeTime } from '../components/time.js';
import { SecretReveal, StatusBadge } from '../components/tokens.js';
import { usePaged } from '../components/usePaged.js';
import { usePageTitle } from '../components/usePageTitle.js';
import { useSubmit } from '../components/useSubmit.js';
import { useUser } from '../session.js';

function CreatePersonalToken({ onCreated }: { onCreated(token: WithSecret<PersonalToken>): void }) {
  const [name, setName] = useState('');
  const [expiration, setExpiration] = useState<Expiration>(defaultExpiration);
  const [problem, setProblem] = useState<string | undefined>();
  const { submit, error, busy } = useSubmit(async () => {
    const when = expiresAtOf(expiration);
    setProblem('problem' in when ? when.problem : undefined);
    if ('problem' in when) return;
    onCreated(await api.createPersonalToken({ name: name.trim(), expiresAt: when.expiresAt }));
    setName('');
  });
  return (
    <section aria-labelledby="create-pat">
      <h2 id="create-pat">Generate a personal access token</h2>
      <Form className="form" onSubmit={submit}>
        <Field label="Token name" value={name} onChange={setName} isRequired maxLength={100} />
        <ExpirationPicker value={expiration} onChange={setExpiration} problem={problem} />
        <ErrorNotice error={error} />
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          Generate token
        </Button>
      </Form>
    </section>
  );
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
        leave one. For pipelines, prefer an organization token.
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
                <td>
                  <StatusBadge status={token.status} />
                </td>
                <td>
                  <RelativeTime at={token.lastUsedAt} />
                </td>
                <td>
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
