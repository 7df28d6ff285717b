import type { ReactNode } from 'react';
import type { Organization } from '../api/types.js';

export const planNames = { free: 'Free', team: 'Team', enterprise: 'Enterprise' } as const;

export type PlanFeature = keyof Organization['features'];

/**
 * A feature the organization's plan does not include, said before anyone fills in a form it
 * would refuse: the API's own PLAN_REQUIRED sentence, and the plan the organization is on.
 * Nothing when the plan includes it.
 */
export function PlanNotice({
  org,
  feature,
  id,
  children,
}: {
  org: Organization;
  feature: PlanFeature;
  id?: string;
  /** What this page cannot do because of it, said after the plan. */
  children?: ReactNode;
}) {
  const state = org.features[feature];
  if (state.included) return null;
  return (
    <div className="notice plan-notice" role="note" id={id}>
      <p>
        <strong>{state.message}</strong> {org.name} is on the {planNames[org.plan]} plan.
      </p>
      {children && <p>{children}</p>}
    </div>
  );
}
