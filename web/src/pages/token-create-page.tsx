import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client.js';
import type { OrgToken, WithSecret } from '../api/types.js';
import { CiSetup, projectPlaceholder } from '../components/ci-setup.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { useOrg } from '../components/org-layout.js';
import { PlanNotice } from '../components/plan-notice.js';
import { DateTime } from '../components/time.js';
import { loadAllProjects } from '../components/token-fields.js';
import { TokenForm } from '../components/token-form.js';
import { SecretReveal, scopeText, untilText } from '../components/tokens.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';

/** What the new token may do, said once more beside its secret. */
function TokenSummary({ token }: { token: OrgToken }) {
  return (
    <dl className="details">
      <dt>Name</dt>
      <dd>{token.name}</dd>
      <dt>Permissions</dt>
      <dd>
        {token.permissions.map((permission) => (
          <code key={permission} className="tag">
            {permission}
          </code>
        ))}
      </dd>
      <dt>Projects</dt>
      <dd className="scope-cell">{scopeText(token.projects)}</dd>
      <dt>Expires</dt>
      <dd>
        {token.expiresAt ? (
          <>
            <DateTime at={token.expiresAt} /> ({untilText(token.expiresAt)})
          </>
        ) : (
          <span className="warning-text">No expiration</span>
        )}
      </dd>
      {token.allowedCidrs.length > 0 && (
        <>
          <dt>Allowed networks</dt>
          <dd>{token.allowedCidrs.join(', ')}</dd>
        </>
      )}
    </dl>
  );
}

/** Create token: the form, then the secret, once, with what it may do and how to use it. */
export function TokenCreatePage() {
  const { org } = useOrg();
  const list = `/orgs/${encodeURIComponent(org.key)}/admin/tokens`;
  const [created, setCreated] = useState<WithSecret<OrgToken> | null>(null);
  const included = org.features.organizationTokens.included;
  const setup = useLoad(
    () =>
      included
        ? Promise.all([loadAllProjects(org.key), api.tokenPolicy(org.key)])
        : Promise.resolve(null),
    [org.key, included],
  );

  usePageTitle(`Create token · ${org.name}`);
  if (created) {
    const project =
      created.projects.mode === 'selected'
        ? (created.projects.keys[0] ?? projectPlaceholder)
        : projectPlaceholder;
    return (
      <section>
        <h1>Token “{created.name}” created</h1>
        <SecretReveal secret={created.token} title="Your new token" autoFocus>
          <TokenSummary token={created} />
        </SecretReveal>
        <CiSetup org={org.key} project={project} />
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
      {!included ? (
        <PlanNotice org={org} feature="organizationTokens">
          No token can be created until then. <Link to={list}>Back to the tokens</Link>
        </PlanNotice>
      ) : (
        <>
          <ErrorNotice error={setup.error} />
          {setup.data ? (
            <TokenForm
              features={org.features}
              projects={setup.data[0]}
              policy={setup.data[1]}
              submitLabel="Generate token"
              onSubmit={async (input) => setCreated(await api.createToken(org.key, input))}
            />
          ) : (
            !setup.error && <Loading what="projects" />
          )}
        </>
      )}
    </section>
  );
}
