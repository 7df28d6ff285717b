import type { TrustPolicy } from '../api/types.js';
import { DateTime } from './time.js';
import { scopeText } from './tokens.js';
import { lifetimeText } from './trust-policy-presets.js';
import { ConditionList, issuerText } from './trust-policy-table.js';

/**
 * What the server advises for a policy (a name matched where an immutable id exists), said
 * where the policy is shown, so that it is read before the policy is relied on.
 */
export function PolicyAdvice({ advice }: { advice: readonly string[] }) {
  if (advice.length === 0) return null;
  return (
    <div className="notice notice-warning" role="note">
      <p>
        <strong>Make this policy safer:</strong>
      </p>
      <ul className="advice-list">
        {advice.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </div>
  );
}

/** Every setting of a policy, as labelled lines. */
export function TrustPolicyDetails({ policy }: { policy: TrustPolicy }) {
  return (
    <dl className="details">
      <dt>CI system</dt>
      <dd>{issuerText(policy)}</dd>
      <dt>Issuer</dt>
      <dd>
        <code>{policy.issuer}</code>
      </dd>
      <dt>Audience</dt>
      <dd>
        <code>{policy.audience}</code>
      </dd>
      <dt>Conditions</dt>
      <dd>
        <ConditionList claims={policy.claims} annotate />
      </dd>
      <dt>Permissions</dt>
      <dd>
        {policy.permissions.map((permission) => (
          <code key={permission} className="tag">
            {permission}
          </code>
        ))}
      </dd>
      <dt>Projects</dt>
      <dd>{scopeText(policy.projects)}</dd>
      <dt>Each token lasts</dt>
      <dd>{lifetimeText(policy.ttlSeconds)}</dd>
      <dt>Created</dt>
      <dd>
        <DateTime at={policy.createdAt} />
        {policy.createdBy && ` by ${policy.createdBy.name}`}
      </dd>
      {policy.updatedAt !== policy.createdAt && (
        <>
          <dt>Changed</dt>
          <dd>
            <DateTime at={policy.updatedAt} />
          </dd>
        </>
      )}
    </dl>
  );
}
