import type { TrustPolicy } from '../api/types.js';

/** The CI systems the form knows, and any other issuer. */
export type CiSystem = 'github' | 'gitlab' | 'custom';

/** A claim a preset offers as a condition, with what it looks like and what it means. */
export interface PresetClaim {
  claim: string;
  /** What a value looks like (the field's placeholder). */
  example: string;
  meaning: string;
  /** Filled in to begin with. */
  initial?: string;
}

export interface Preset {
  label: string;
  issuer: string;
  issuerHelp: string;
  claims: readonly PresetClaim[];
  /**
   * Claims that name who runs (owner, repository, project). A policy of a shared issuer
   * (every repository on GitHub.com, every project on GitLab.com) without one of them
   * would trust the runs of anyone there.
   */
  ownerClaims: readonly string[];
}

export const githubIssuer = 'https://token.actions.githubusercontent.com';
export const gitlabIssuer = 'https://gitlab.com';

// Claim names as GitHub and GitLab document them; the examples are invented.
export const presets: Record<CiSystem, Preset> = {
  github: {
    label: 'GitHub Actions',
    issuer: githubIssuer,
    issuerHelp:
      'GitHub.com’s issuer. On GitHub Enterprise Server it is https://<your host>/_services/token.',
    claims: [
      {
        claim: 'repository_owner_id',
        example: '5820147',
        meaning:
          'Immutable id of the user or organization that owns the repository: it never changes and never passes to someone else. GitHub’s API gives it as the id of /users/<owner>.',
      },
      {
        claim: 'repository',
        example: 'octo-org/ledger-api',
        meaning: 'owner/name. Names can be renamed, and then taken by someone else.',
      },
      {
        claim: 'ref',
        example: 'refs/heads/main',
        meaning:
          'The branch or tag that runs: refs/heads/main, refs/tags/v*. A pull request’s is refs/pull/<number>/merge.',
      },
      {
        claim: 'environment',
        example: 'production',
        meaning:
          'Only in the token of a job that names an environment; with the environment’s protection rules, the strongest condition.',
      },
      {
        claim: 'job_workflow_ref',
        example: 'octo-org/ledger-api/.github/workflows/analysis.yml@refs/heads/main',
        meaning:
          'The workflow file that runs the job, at its ref: another workflow of the repository cannot exchange.',
      },
    ],
    ownerClaims: [
      'repository_owner_id',
      'repository_owner',
      'repository_id',
      'repository',
      'job_workflow_ref',
      'workflow_ref',
      'sub',
    ],
  },
  gitlab: {
    label: 'GitLab CI',
    issuer: gitlabIssuer,
    issuerHelp:
      'GitLab.com. For a self-managed GitLab, its address as its tokens name it, such as https://gitlab.example.com.',
    claims: [
      {
        claim: 'namespace_id',
        example: '4412',
        meaning:
          'Immutable id of the group or user that owns the project: it never changes and never passes to someone else.',
      },
      {
        claim: 'project_id',
        example: '88231',
        meaning: 'Immutable id of the project (Settings → General).',
      },
      {
        claim: 'project_path',
        example: 'harbor-labs/tide-service',
        meaning: 'group/project. Paths can be renamed, and then taken by someone else.',
      },
      {
        claim: 'ref',
        example: 'main',
        meaning: 'The branch or tag name, without refs/heads/.',
      },
      {
        claim: 'ref_protected',
        example: 'true',
        meaning: 'true when the branch or tag is protected: only those allowed to push to it run.',
        initial: 'true',
      },
      {
        claim: 'environment',
        example: 'production',
        meaning: 'Only in the token of a job that names an environment.',
      },
    ],
    ownerClaims: ['namespace_id', 'namespace_path', 'project_id', 'project_path', 'sub'],
  },
  custom: {
    label: 'Other issuer',
    issuer: '',
    issuerHelp:
      'Exactly as the tokens’ iss claim says it (no slash added or dropped): Forgejo, Buildkite, a self-hosted issuer. It must serve /.well-known/openid-configuration.',
    claims: [],
    ownerClaims: [],
  },
};

/**
 * True when `pattern` fixes who runs: the part before its first `/` (for an id, the whole
 * value) has no `*`. `octo-org/*` does; `*` and any value starting with `*` do not.
 */
export function bindsOwner(pattern: string): boolean {
  const first = pattern.split('/')[0] ?? '';
  return pattern !== '' && !first.includes('*');
}

/** Why `claims` trust too much for `system`'s shared issuer, or undefined. */
export function ownerProblem(system: CiSystem, claims: Record<string, string>): string | undefined {
  const preset = presets[system];
  if (preset.ownerClaims.length === 0) return undefined;
  const bound = preset.ownerClaims.some((claim) => bindsOwner(claims[claim] ?? ''));
  if (bound) return undefined;
  const first = preset.claims[0]?.claim ?? preset.ownerClaims[0];
  return `Name who runs: fill in ${first} (or another claim of the owner or repository) without a leading *. Otherwise the runs of anyone on ${preset.label} that meet the other conditions would be trusted.`;
}

/** The CI system a stored policy is for: by its issuer, else by the claims it names. */
export function ciSystemOf(policy: Pick<TrustPolicy, 'issuer' | 'claims'>): CiSystem {
  if (policy.issuer === githubIssuer || policy.issuer.startsWith(`${githubIssuer}/`))
    return 'github';
  if (policy.issuer.endsWith('/_services/token')) return 'github';
  if (policy.issuer === gitlabIssuer) return 'gitlab';
  const names = Object.keys(policy.claims);
  // `ref` and `environment` are in both presets: only the others tell them apart.
  const only = (system: CiSystem) =>
    names.some(
      (name) =>
        name !== 'ref' &&
        name !== 'environment' &&
        presets[system].claims.some((claim) => claim.claim === name),
    );
  if (only('github')) return 'github';
  return only('gitlab') ? 'gitlab' : 'custom';
}

/** A token lifetime in words: "15 minutes", "1 hour", "90 seconds". */
export function lifetimeText(seconds: number): string {
  const unit = (count: number, name: string) => `${count} ${name}${count === 1 ? '' : 's'}`;
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}
