import { Link } from 'react-router';
import { isImmutableIdClaim } from '../../../src/domain/claim-conditions.js';
import type { TrustPolicy } from '../api/types.js';
import { TableWrap } from './table-wrap.js';
import { DateTime } from './time.js';
import { scopeText } from './tokens.js';
import { ciSystemOf, lifetimeText, presets } from './trust-policy-presets.js';

/**
 * A policy's conditions, one a line: `claim = value`, or `claim matches pattern`; with
 * `annotate`, the immutable ids are marked as such.
 */
export function ConditionList({
  claims,
  annotate,
}: {
  claims: Record<string, string>;
  annotate?: boolean;
}) {
  return (
    <ul className="condition-list">
      {Object.entries(claims).map(([claim, pattern]) => (
        <li key={claim}>
          <code>{claim}</code> {pattern.includes('*') ? 'matches' : '='} <code>{pattern}</code>
          {annotate && isImmutableIdClaim(claim) && <span className="muted"> (immutable id)</span>}
        </li>
      ))}
    </ul>
  );
}

/** The CI system a policy is for, or its issuer's host for another. */
export function issuerText(policy: TrustPolicy): string {
  const system = ciSystemOf(policy);
  return system === 'custom' ? policy.issuer : presets[system].label;
}

/**
 * The organization's trust policies: name (a link to its page), CI system and issuer,
 * conditions, what its tokens may do and on which projects, their lifetime, and creation.
 */
export function TrustPolicyTable({
  policies,
  base,
  caption,
}: {
  policies: TrustPolicy[];
  base: string;
  caption: string;
}) {
  return (
    <TableWrap label="Trust policies">
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Issuer</th>
            <th scope="col">Conditions</th>
            <th scope="col">Permissions</th>
            <th scope="col">Projects</th>
            <th scope="col">Tokens last</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {policies.map((policy) => (
            <tr key={policy.id}>
              <th scope="row">
                <Link to={`${base}/${policy.id}`}>{policy.name}</Link>
                {policy.advice.length > 0 && (
                  <div className="warning-text">Matches a name where an id exists</div>
                )}
              </th>
              <td data-label="Issuer" className="url-cell">
                {issuerText(policy)}
                {ciSystemOf(policy) !== 'custom' && <div className="muted">{policy.issuer}</div>}
              </td>
              <td data-label="Conditions" className="conditions-cell">
                <ConditionList claims={policy.claims} />
              </td>
              <td data-label="Permissions">
                {policy.permissions.map((permission) => (
                  <code key={permission} className="tag">
                    {permission}
                  </code>
                ))}
              </td>
              <td data-label="Projects" className="scope-cell">
                {scopeText(policy.projects)}
              </td>
              <td data-label="Tokens last">{lifetimeText(policy.ttlSeconds)}</td>
              <td data-label="Created">
                <DateTime at={policy.createdAt} />
                {policy.createdBy && <div className="muted">by {policy.createdBy.name}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
