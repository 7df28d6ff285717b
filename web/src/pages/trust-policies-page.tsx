import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api } from '../api/client.js';
import type { Exchange, TrustPolicy } from '../api/types.js';
import { projectPlaceholder } from '../components/ci-setup.js';
import { Confirm } from '../components/confirm.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { PlanNotice } from '../components/plan-notice.js';
import { loadAllProjects } from '../components/token-fields.js';
import { TrustPolicyCheck } from '../components/trust-policy-check.js';
import { PolicyAdvice, TrustPolicyDetails } from '../components/trust-policy-details.js';
import { ExchangeTable, exchangeName, isLive } from '../components/trust-policy-exchanges.js';
import { TrustPolicyForm } from '../components/trust-policy-form.js';
import { ciSystemOf } from '../components/trust-policy-presets.js';
import { PipelineSnippet } from '../components/trust-policy-snippet.js';
import { TrustPolicyTable } from '../components/trust-policy-table.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';

/** The address of the trust policies of `org`. */
const policiesPath = (org: string) => `/orgs/${encodeURIComponent(org)}/admin/trust-policies`;

/** This server's URL as pipelines reach it: ORGTOKEN_PUBLIC_URL, else this page's origin. */
function useServerUrl(): string | null {
  const info = useLoad(() => api.serverInfo(), []);
  if (info.loading && !info.data) return null;
  return info.data?.publicUrl ?? window.location.origin;
}

/**
 * What the page before said happened (a policy added, deleted), carried in the history
 * entry's state; it is dropped from the entry at once, so that a reload does not say it again.
 */
function useArrivalNotice(): [string | null, (message: string | null) => void] {
  const location = useLocation();
  const navigate = useNavigate();
  const carried = (location.state as { notice?: string } | null)?.notice ?? null;
  const [notice, setNotice] = useState<string | null>(carried);
  useEffect(() => {
    if (carried === null) return;
    setNotice(carried);
    navigate(`${location.pathname}${location.search}`, { replace: true, state: null });
  }, [carried, location.pathname, location.search, navigate]);
  return [notice, setNotice];
}

const lead = (name: string) => (
  <p className="lead">
    Pipelines on GitHub Actions, GitLab CI or any OpenID Connect issuer upload with no stored
    secret: a run exchanges the identity token its CI signs for a token of {name} that lasts
    minutes, when every condition of a trust policy holds for the token's claims. Nothing to leak
    from CI settings, nothing to rotate.
  </p>
);

/** Administration → Secretless CI: the organization's trust policies. */
export function TrustPoliciesPage() {
  const { org } = useOrg();
  const base = policiesPath(org.key);
  const included = org.features.workloadIdentity.included;
  const list = usePaged((cursor) => api.trustPolicies(org.key, cursor), [org.key]);
  const [notice] = useArrivalNotice();

  usePageTitle(`Secretless CI · ${org.name}`);
  return (
    <section aria-labelledby="trust-title">
      <div className="page-head">
        <h1 id="trust-title">Secretless CI</h1>
        {included && (
          <Link className="button button-primary" to={`${base}/new`}>
            Add a trust policy
          </Link>
        )}
      </div>
      {lead(org.name)}
      <PlanNotice org={org} feature="workloadIdentity" id="trust-plan">
        Once it is, add trust policies here. Policies kept from an earlier plan mint nothing until
        then; they can still be deleted.
      </PlanNotice>
      <SuccessNotice message={notice} />
      <ErrorNotice error={list.error} />
      {list.loading ? (
        <Loading what="trust policies" />
      ) : list.items.length === 0 ? (
        included && (
          <p className="empty">
            No trust policies yet. Add one, and a pipeline uploads without a stored secret.
          </p>
        )
      ) : (
        <TrustPolicyTable
          policies={list.items}
          base={base}
          caption={`Trust policies of ${org.name}`}
        />
      )}
      <LoadMore loadMore={list.loadMore} />
    </section>
  );
}

/** Add a trust policy: the CI system's preset, the conditions, and the pipeline to paste. */
export function TrustPolicyCreatePage() {
  const { org } = useOrg();
  const navigate = useNavigate();
  const base = policiesPath(org.key);
  const included = org.features.workloadIdentity.included;
  const projects = useLoad(
    () => (included ? loadAllProjects(org.key) : Promise.resolve(null)),
    [org.key, included],
  );
  const serverUrl = useServerUrl();

  usePageTitle(`Add a trust policy · ${org.name}`);
  return (
    <section>
      <p className="breadcrumb">
        <Link to={base}>Secretless CI</Link>
      </p>
      <h1>Add a trust policy</h1>
      {lead(org.name)}
      <PlanNotice org={org} feature="workloadIdentity" id="trust-plan">
        Once it is, add trust policies here.
      </PlanNotice>
      <ErrorNotice error={projects.error} />
      {included &&
        (projects.data && serverUrl ? (
          <TrustPolicyForm
            org={org.key}
            projects={projects.data}
            serverUrl={serverUrl}
            submitLabel="Add trust policy"
            onSubmit={async (body) => {
              const policy = await api.createTrustPolicy(org.key, body);
              navigate(`${base}/${policy.id}`, {
                state: {
                  notice: `The trust policy “${policy.name}” is saved: runs that meet its conditions now get a token.`,
                },
              });
            }}
          />
        ) : (
          !projects.error && <Loading what="the form" />
        ))}
    </section>
  );
}

/** What deleting a policy revokes, as far as the exchanges loaded tell. */
function deleteConsequence(exchanges: readonly Exchange[], complete: boolean): string {
  const live = exchanges.filter(isLive).length;
  const after =
    'a pipeline using one is refused from its next request, and no run can exchange a token under it again.';
  if (!complete) return `Every live token it minted is revoked at once: ${after}`;
  if (live === 0)
    return 'None of the tokens it minted is live now. No run can exchange a token under it again.';
  return live === 1
    ? `The live token it minted is revoked at once: ${after}`
    : `The ${live} live tokens it minted are revoked at once: ${after}`;
}

/**
 * One trust policy: its settings (edit, delete), a box to check a CI token against it, its
 * recent exchanges with revoke, and the pipeline configuration. Below the plan that
 * includes it, what the server still allows: deleting it and revoking its tokens.
 */
export function TrustPolicyPage() {
  const { org } = useOrg();
  const { policyId = '' } = useParams();
  const navigate = useNavigate();
  const base = policiesPath(org.key);
  const included = org.features.workloadIdentity.included;
  const loaded = useLoad(() => api.trustPolicy(org.key, policyId), [org.key, policyId]);
  const exchanges = usePaged(
    (cursor) => api.exchanges(org.key, policyId, cursor),
    [org.key, policyId],
  );
  const [editing, setEditing] = useState(false);
  const projects = useLoad(
    () => (editing ? loadAllProjects(org.key) : Promise.resolve(null)),
    [org.key, editing],
  );
  const serverUrl = useServerUrl();
  const [done, setDone] = useArrivalNotice();
  const [revoking, setRevoking] = useState<Exchange | null>(null);
  const [deleting, setDeleting] = useState(false);
  const policy: TrustPolicy | undefined = loaded.data?.id === policyId ? loaded.data : undefined;

  usePageTitle(`${policy?.name ?? 'Trust policy'} · ${org.name}`);
  if (!policy) {
    return (
      <section>
        <p className="breadcrumb">
          <Link to={base}>Secretless CI</Link>
        </p>
        {loaded.error ? (
          <>
            <h1>Trust policy not found</h1>
            <ErrorNotice error={loaded.error} />
          </>
        ) : (
          <Loading what="the trust policy" />
        )}
      </section>
    );
  }
  const firstKey = policy.projects.mode === 'selected' ? policy.projects.keys[0] : undefined;
  return (
    <section>
      <p className="breadcrumb">
        <Link to={base}>Secretless CI</Link>
      </p>
      <div className="page-head">
        <h1>{policy.name}</h1>
        <div className="actions">
          {included && (
            <Button
              className="button"
              onPress={() => {
                setDone(null);
                setEditing(true);
              }}
              isDisabled={editing}
            >
              Edit
            </Button>
          )}
          <Button className="button button-danger" onPress={() => setDeleting(true)}>
            Delete…
          </Button>
        </div>
      </div>
      <PlanNotice org={org} feature="workloadIdentity" id="trust-plan">
        Until then no run gets a token under this policy; it can still be deleted, and its tokens
        revoked.
      </PlanNotice>
      <SuccessNotice message={done} />
      <PolicyAdvice advice={policy.advice} />
      {editing ? (
        <section aria-labelledby="edit-title" className="panel">
          <h2 id="edit-title">Change the policy</h2>
          <p className="muted">
            Tokens it already minted keep what they were minted with until they expire; revoke them
            below to end them sooner.
          </p>
          <ErrorNotice error={projects.error} />
          {projects.data && serverUrl ? (
            <TrustPolicyForm
              org={org.key}
              policy={policy}
              projects={projects.data}
              serverUrl={serverUrl}
              submitLabel="Save trust policy"
              onCancel={() => setEditing(false)}
              onSubmit={async (body) => {
                const saved = await api.updateTrustPolicy(org.key, policy.id, body);
                setEditing(false);
                setDone(`The trust policy “${saved.name}” is saved.`);
                loaded.reload();
              }}
            />
          ) : (
            !projects.error && <Loading what="the form" />
          )}
        </section>
      ) : (
        <TrustPolicyDetails policy={policy} />
      )}
      {included && <TrustPolicyCheck org={org.key} policyId={policy.id} />}
      <ExchangeTable list={exchanges} policyName={policy.name} onRevoke={setRevoking} />
      {serverUrl && (
        <PipelineSnippet
          folded
          system={ciSystemOf(policy)}
          input={{
            url: serverUrl,
            audience: policy.audience,
            org: org.key,
            project: firstKey ?? projectPlaceholder,
            claims: policy.claims,
          }}
        />
      )}
      {revoking && (
        <Confirm
          isOpen
          onOpenChange={(open) => !open && setRevoking(null)}
          title={`Revoke the token of ${exchangeName(revoking)}?`}
          confirmLabel="Revoke token"
          danger
          onConfirm={async () => {
            await api.revokeExchange(org.key, policy.id, revoking.id);
            setDone(`The token of ${exchangeName(revoking)} is revoked.`);
            exchanges.reload();
          }}
        >
          <p>
            The pipeline using it is refused from its next request. The policy stays as it is: a
            later run that meets its conditions gets a new token.
          </p>
        </Confirm>
      )}
      {deleting && (
        <Confirm
          isOpen
          onOpenChange={setDeleting}
          title={`Delete the trust policy “${policy.name}”?`}
          confirmLabel="Delete trust policy"
          danger
          onConfirm={async () => {
            await api.deleteTrustPolicy(org.key, policy.id);
            navigate(base, {
              state: {
                notice: `The trust policy “${policy.name}” is deleted, and its live tokens are revoked.`,
              },
            });
          }}
        >
          <p>{deleteConsequence(exchanges.items, !exchanges.loadMore && !exchanges.loading)}</p>
          <p>This cannot be undone.</p>
        </Confirm>
      )}
    </section>
  );
}
