import { type Plan, planIncludes, plans } from './organizations.js';

/**
 * What each plan adds beyond the one below it, named the way a person reads it: the
 * PLAN_REQUIRED message of the API, the CLI and the web UI is built from this one list.
 */
export const planFeatures = {
  organizationTokens: { plan: 'team', name: 'Organization tokens', plural: true },
  notifications: { plan: 'team', name: 'Notifications and webhooks', plural: true },
  tokenPolicy: { plan: 'enterprise', name: 'A token lifetime policy', plural: false },
  ipAllowlist: { plan: 'enterprise', name: 'An IP allowlist', plural: false },
  auditExport: { plan: 'enterprise', name: 'Audit export', plural: false },
  workloadIdentity: {
    plan: 'enterprise',
    name: 'Secretless CI (OIDC trust policies)',
    plural: false,
  },
} as const satisfies Record<string, { plan: Plan; name: string; plural: boolean }>;

export type PlanFeature = keyof typeof planFeatures;

/** "Organization tokens need the team plan or higher." */
export function planRequiredMessage(feature: PlanFeature): string {
  const { plan, name, plural } = planFeatures[feature];
  const higher = plans.indexOf(plan) < plans.length - 1 ? ' or higher' : '';
  return `${name} ${plural ? 'need' : 'needs'} the ${plan} plan${higher}.`;
}

/** True when `plan` includes `feature`. */
export function planHasFeature(plan: Plan, feature: PlanFeature): boolean {
  return planIncludes(plan, planFeatures[feature].plan);
}

/** A feature as an organization's answer shows it: whether its plan has it, and what would. */
export interface PlanFeatureState {
  included: boolean;
  /** The least plan that includes the feature. */
  plan: Plan;
  /** The PLAN_REQUIRED message of the feature, for a person to read. */
  message: string;
}

/** Every feature, for an organization on `plan`. */
export function planFeatureStates(plan: Plan): Record<PlanFeature, PlanFeatureState> {
  const states = {} as Record<PlanFeature, PlanFeatureState>;
  for (const feature of Object.keys(planFeatures) as PlanFeature[]) {
    states[feature] = {
      included: planHasFeature(plan, feature),
      plan: planFeatures[feature].plan,
      message: planRequiredMessage(feature),
    };
  }
  return states;
}
