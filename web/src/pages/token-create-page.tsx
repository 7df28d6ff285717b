import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client.js';
import type { OrgToken, WithSecret } from '../api/types.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { useOrg } from '../components/org-layout.js';
import { loadAllProjects } from '../components/token-fields.js';
import { TokenForm } from '../components/token-form.js';
import { SecretReveal } from '../components/tokens.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';

/** Create token: the form, then the secret, once. */
export function TokenCreatePage() {
  const { org } = useOrg();
  const list = `/orgs/${encodeURIComponent(org.key)}/admin/tokens`;
  const [created, setCreated] = useState<WithSecret<OrgToken> | null>(null);
  const setup = useLoad(
    () => Promise.all([loadAllProjects(org.key), api.tokenPolicy(org.key)]),
    [org.key],
  );

  usePageTitle(`Create token · ${org.name}`);
  if (created) {
    return (
      <section>
        <h1>Token “{created.name}” created</h1>
        <SecretReveal secret={created.token} title="Your new token" />
        <p>
          Use it as <code>ORGTOKEN_TOKEN</code> in your pipeline; see the CLI's{' '}
          <code>orgtoken analyze</code>.
        </p>
        <p className="actions">
          <Link className="button button-primary" to={list}>
            Done
          </Link>
          <Link className="button" to={`${list}/${created.id}`}>
            View token details
          </Link>
        </p>
      </section>
    );
  }
  return (
    <section>
      <p className="breadcrumb">
        <Link to={list}>Scoped Organization Tokens</Link>
      </p>
      <h1>Create token</h1>
      <ErrorNotice error={setup.error} />
      {setup.data ? (
        <TokenForm
          projects={setup.data[0]}
          policy={setup.data[1]}
          submitLabel="Generate token"
          onSubmit={async (input) => setCreated(await api.createToken(org.key, input))}
        />
      ) : (
        !setup.error && <Loading what="projects" />
      )}
    </section>
  );
}
