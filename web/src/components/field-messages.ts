import { nameMaxLength } from '../../../src/domain/names.js';
import { orgKeyPattern, projectKeyPattern } from '../../../src/domain/organizations.js';
import { ApiError } from '../api/client.js';

// The API's own rules for keys and names (pure domain modules), so the form's check cannot
// drift from the server's.
const orgKeyRegExp = new RegExp(orgKeyPattern);
const projectKeyRegExp = new RegExp(projectKeyPattern);

/**
 * What each request field accepts, in words. The API's schema errors name the field and the
 * rule as the validator states it (`/body/key must match pattern "^[a-z0-9]…"`): right for a
 * script, not for a person, so a form shows the field's rule instead, beside the field.
 */
export const fieldRules = {
  name: `Use 1 to ${nameMaxLength} characters, not only spaces, and no invisible ones.`,
  email: 'Enter an email address, such as lee@example.com.',
  password: 'Use at least 12 characters (at most 256).',
  description: 'Use up to 500 characters; line breaks are fine, other control characters are not.',
  orgKey: 'Use 2–39 lowercase letters, digits or hyphens, starting with a letter or digit.',
  projectKey: 'Use up to 100 letters, digits, dots, colons, hyphens or underscores, no spaces.',
  keys: 'Project keys use up to 100 letters, digits, dots, colons, hyphens or underscores.',
  patterns:
    'Use letters, digits, dots, colons, hyphens or underscores, with * for any text (backend-*).',
  allowedCidrs: 'Enter addresses or ranges such as 203.0.113.7 or 10.0.0.0/8, separated by commas.',
  maxLifetimeDays: 'Enter a whole number of days from 1 to 3650, or leave it empty for no limit.',
  expiresAt: 'Choose a valid date in the future.',
  permissions: 'Choose at least one permission.',
} as const;

/** Why a typed organization key would be refused, before sending it. */
export function orgKeyProblem(key: string): string | undefined {
  return orgKeyRegExp.test(key) ? undefined : fieldRules.orgKey;
}

/** Why a typed project key would be refused, before sending it. */
export function projectKeyProblem(key: string): string | undefined {
  return projectKeyRegExp.test(key) ? undefined : fieldRules.projectKey;
}

/** The last named part of an error's field: `patterns` for `/body/projects/patterns/2`. */
function fieldName(field: string): string | undefined {
  return field
    .split('/')
    .slice(2)
    .filter((part) => part !== '' && !/^\d+$/.test(part))
    .at(-1);
}

/**
 * True for the validator's own wording (`/body/key must match …`, `/body/x is not a known
 * field`), which names a request location; a service's refusal is written for people
 * ("expiresAt is beyond the policy's 60 days" is not: it starts with the field's name).
 */
function isSchemaWording(error: ApiError): boolean {
  return error.field !== undefined && error.message.startsWith(`${error.field} `);
}

/**
 * The refusal of a field the form has, as `{field, message}`: the server's own words when it
 * wrote them for people, else the rule of that field from `rules` (the form's own: the
 * key of an organization and of a project differ) or from `fieldRules`.
 */
export function fieldRefusal(
  error: unknown,
  fields: readonly string[],
  rules: Record<string, string> = {},
): { field: string; message: string } | null {
  if (!(error instanceof ApiError) || error.code !== 'VALIDATION_FAILED' || !error.field)
    return null;
  if (!error.field.startsWith('/body/')) return null;
  const field = fieldName(error.field);
  if (!field || !fields.includes(field)) return null;
  if (!isSchemaWording(error)) return { field, message: error.message };
  const rule = rules[field] ?? (fieldRules as Record<string, string>)[field];
  return { field, message: rule ?? 'This value is not accepted.' };
}

/** A schema error in words, for a notice that is not beside any field. */
export function plainValidationMessage(error: ApiError): string {
  if (!isSchemaWording(error)) return error.message;
  const field = error.field ? fieldName(error.field) : undefined;
  const rule = field ? (fieldRules as Record<string, string>)[field] : undefined;
  return rule ? `${field}: ${rule}` : 'Part of the form is not accepted; check what you entered.';
}
