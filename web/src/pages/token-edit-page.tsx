import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api/client.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { useOrg } from '../components/org-layout.js';
import { loadAllProjects } from '../components/token-fields.js';
import { TokenForm } from '../components/token-form.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';

/** Edit a token's name, description, projects and permissions (never its expiry). */
export function TokenEditPage() {
  const { org } = useOrg();
  const { tokenId = '' } = useParams();
  const navigate = useNavigate();
  const detail = `/orgs/${encodeURIComponent(org.key)}/admin/tokens/${tokenId}`;
  const loaded = useLoad(
    () => Promise.all([api.token(org.key, tokenId), loadAllProjects(org.key)]),
    [org.key, tokenId],
  );
  usePageTitle(`Edit ${loaded.data?.[0].name ?? 'token'} · ${org.name}`);
  return (
    <section>
      <p className="breadcrumb">
        <Link to={`/orgs/${encodeURIComponent(org.key)}/admin/tokens`}>
          Scoped Organization Tokens
        </Link>
      </p>
      <h1>Edit {loaded.data ? `“${loaded.data[0].name}”` : 'token'}</h1>
      <ErrorNotice error={loaded.error} />
      {loaded.data ? (
        loaded.data[0].status === 'revoked' ? (
          <p>This token is revoked: there is nothing left to edit.</p>
        ) : (
          <TokenForm
            token={loaded.data[0]}
            features={org.features}
            projects={loaded.data[1]}
            submitLabel="Save changes"
            onSubmit={async ({ expiresAt: _unchanged, ...changes }) => {
              await api.updateToken(org.key, tokenId, changes);
              navigate(detail);
            }}
          />
        )
      ) : (
        !loaded.error && <Loading what="the token" />
      )}
    </section>
  );
}
