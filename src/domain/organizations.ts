/** Organization plans, from the least to the most capable. */
export const plans = ['free', 'team', 'enterprise'] as const;
export type Plan = (typeof plans)[number];

/** Roles a user can hold in an organization. */
export const roles = ['admin', 'member'] as const;
export type Role = (typeof roles)[number];

/** An organization key is a lowercase slug of 2 to 39 characters. */
export const orgKeyPattern = '^[a-z0-9][a-z0-9-]{1,38}$';

/** A project key, unique within its organization. */
export const projectKeyPattern = '^[A-Za-z0-9_.:-]{1,100}$';

/** True when `plan` includes everything `required` offers. */
export function planIncludes(plan: Plan, required: Plan): boolean {
  return plans.indexOf(plan) >= plans.indexOf(required);
}
