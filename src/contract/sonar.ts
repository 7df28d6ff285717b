import { type Static, Type } from '@sinclair/typebox';
import { OrgKey, ProjectKey } from './common.js';

// SonarQube's own shapes, for scripts and scanners written against SonarQube: its parameter
// names (login, expirationDate as a day), its token types and its time format.

/** SonarQube's token types; each stands for a narrowing of a personal access token. */
export const sonarTokenTypes = [
  'USER_TOKEN',
  'GLOBAL_ANALYSIS_TOKEN',
  'PROJECT_ANALYSIS_TOKEN',
] as const;
export type SonarTokenType = (typeof sonarTokenTypes)[number];
const SonarTokenTypeSchema = Type.Union(sonarTokenTypes.map((type) => Type.Literal(type)));

/** The parameters of /api/user_tokens/generate, from the query string or a form body. */
export const GenerateParams = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expirationDate: Type.String({ maxLength: 10 }),
    type: SonarTokenTypeSchema,
    /** The caller's own login (email) when given: a token is never made for someone else. */
    login: Type.String({ maxLength: 254 }),
    projectKey: ProjectKey,
    organization: OrgKey,
  },
  { additionalProperties: false },
);
export type SonarTokenRequest = Partial<Static<typeof GenerateParams>> & { name: string };

/** The parameter of /api/user_tokens/revoke. */
export const NameParams = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const ValidationSchema = Type.Object({ valid: Type.Boolean() });

/** SonarQube writes times with an offset and no colon: 2026-11-29T04:06:46+0000. */
const SonarTime = Type.Union([Type.String(), Type.Null()]);

export const GeneratedTokenSchema = Type.Object({
  login: Type.String(),
  name: Type.String(),
  createdAt: SonarTime,
  expirationDate: SonarTime,
  token: Type.String(),
  type: SonarTokenTypeSchema,
  projectKey: Type.Optional(Type.String()),
  organization: Type.Optional(Type.String()),
});
export type GeneratedToken = Static<typeof GeneratedTokenSchema>;

export const UserTokenListSchema = Type.Object({
  login: Type.String(),
  userTokens: Type.Array(
    Type.Object({
      name: Type.String(),
      createdAt: SonarTime,
      lastConnectionDate: SonarTime,
      expirationDate: SonarTime,
      isExpired: Type.Boolean(),
    }),
  ),
});
export type UserTokenList = Static<typeof UserTokenListSchema>;

// The quality-gate check of SonarQube's tooling (its scanner's `sonar.qualitygate.wait`, the
// Quality Gate Check GitHub Action): poll the task of an upload, then ask for the gate of
// the analysis it made. orgtoken stores an analysis before it answers the upload, so the
// task of an upload is that analysis, and its id is the analysis id (docs/api.md).

/** A task or analysis id as SonarQube tooling passes it back: ours are UUIDs. */
const SonarId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' });

/** The parameter of /api/ce/task. */
export const CeTaskQuery = Type.Object({ id: SonarId }, { additionalProperties: false });

export const CeTaskSchema = Type.Object({
  task: Type.Object({
    id: Type.String(),
    type: Type.Literal('REPORT'),
    organization: Type.String(),
    componentId: Type.String(),
    componentKey: Type.String(),
    componentName: Type.String(),
    componentQualifier: Type.Literal('TRK'),
    branch: Type.Optional(Type.String()),
    status: Type.Literal('SUCCESS', {
      description:
        'An upload is answered only once its analysis is stored (or refused, leaving no task), so a task is never PENDING, IN_PROGRESS or FAILED',
    }),
    analysisId: Type.String(),
    submittedAt: Type.String(),
    startedAt: Type.String(),
    executedAt: Type.String(),
  }),
});
export type CeTask = Static<typeof CeTaskSchema>;

/** The parameters of /api/qualitygates/project_status: an analysis, or a project's latest. */
export const ProjectStatusQuery = Type.Object(
  {
    analysisId: Type.Optional(SonarId),
    projectKey: Type.Optional(ProjectKey),
    organization: Type.Optional(OrgKey),
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);
export type ProjectStatusRequest = Static<typeof ProjectStatusQuery>;

/** SonarQube's metric key for each condition of orgtoken's quality gate (docs/api.md). */
export const sonarMetricKeys = {
  errors: 'error_violations',
  warnings: 'warning_violations',
} as const;

const GateLevel = Type.Union([Type.Literal('OK'), Type.Literal('ERROR')]);

export const ProjectStatusSchema = Type.Object({
  projectStatus: Type.Object({
    status: Type.Union([GateLevel, Type.Literal('NONE')], {
      description: 'NONE: the gate sets no limit, or the project has no analysis yet',
    }),
    conditions: Type.Array(
      Type.Object({
        status: GateLevel,
        metricKey: Type.Union(Object.values(sonarMetricKeys).map((key) => Type.Literal(key))),
        comparator: Type.Literal('GT', {
          description: 'The condition fails when the actual value is greater than the threshold',
        }),
        errorThreshold: Type.String(),
        actualValue: Type.String(),
      }),
    ),
    ignoredConditions: Type.Boolean(),
  }),
});
export type ProjectStatus = Static<typeof ProjectStatusSchema>;
