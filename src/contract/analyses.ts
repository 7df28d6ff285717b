import { type Static, Type } from '@sinclair/typebox';
import { issueLevels } from '../domain/reports/report.js';
import {
  Id,
  Nullable,
  OrgKey,
  PageQueryWith,
  ProjectKey,
  SearchText,
  Strict,
  Timestamp,
} from './common.js';

/** The trust policy and CI run behind an upload made with an ephemeral token. */
export const CiMintSchema = Type.Object({
  policy: Type.Object({
    id: Nullable(Type.String(), {
      description: 'The policy it was minted under, as it was then (it may since be deleted)',
    }),
    name: Type.String(),
  }),
  run: Type.Object({
    issuer: Type.String(),
    subject: Type.String(),
    repository: Nullable(Type.String()),
    ref: Nullable(Type.String()),
    runId: Nullable(Type.String()),
  }),
});

export const IssueLevelSchema = Type.Union(issueLevels.map((level) => Type.Literal(level)));

export const AnalysisSchema = Type.Object({
  id: Id,
  projectKey: Type.String(),
  createdAt: Timestamp,
  branch: Nullable(Type.String()),
  commit: Nullable(Type.String()),
  format: Type.Union([Type.Literal('sarif'), Type.Literal('generic')]),
  tools: Type.Array(Type.String()),
  summary: Type.Object({
    errors: Type.Integer(),
    warnings: Type.Integer(),
    notes: Type.Integer(),
    total: Type.Integer(),
  }),
  qualityGate: Type.Object({
    status: Type.Union([Type.Literal('passed'), Type.Literal('failed')]),
    conditions: Type.Array(
      Type.Object({
        metric: Type.Union([Type.Literal('errors'), Type.Literal('warnings')]),
        threshold: Type.Integer(),
        actual: Type.Integer(),
        passed: Type.Boolean(),
      }),
    ),
  }),
  submittedBy: Type.Object({ type: Type.String(), id: Type.String(), name: Type.String() }),
  ci: Nullable(CiMintSchema, {
    description:
      'For an upload with an ephemeral (ote_) token: the trust policy it was minted under and the CI run',
  }),
});

export const IssueSchema = Type.Object({
  id: Type.Integer({ description: 'Position in the report' }),
  tool: Type.String(),
  rule: Type.String(),
  level: IssueLevelSchema,
  message: Type.String(),
  file: Nullable(Type.String()),
  line: Nullable(Type.Integer()),
});

export const QualityGateSchema = Type.Object(
  {
    maxErrors: Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    maxWarnings: Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);
export type Analysis = Static<typeof AnalysisSchema>;
export type Issue = Static<typeof IssueSchema>;

export const AnalysisParams = Strict({ org: OrgKey, projectKey: ProjectKey, analysisId: Id });

export const IssueListQuery = PageQueryWith({
  level: Type.Optional(IssueLevelSchema),
  rule: Type.Optional(SearchText(255)),
});
export type QualityGate = Static<typeof QualityGateSchema>;

// Branch names and commit ids as VCSs write them (UTF-8 included): no spaces, no control
// characters, no bidirectional overrides.
const Ref = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[^\\s\\u0000-\\u001f\\u007f\\u202a-\\u202e\\u2066-\\u2069]+$',
});

export const ReportFormatSchema = Type.Union([Type.Literal('sarif'), Type.Literal('generic')]);

/** The upload's query string: the report's format, and where in the repository it was made. */
export const UploadQuery = Strict({
  format: ReportFormatSchema,
  branch: Type.Optional(Ref),
  commit: Type.Optional(Ref),
});

/** The upload's body: the report as the tool wrote it, read by its own parser. */
export const ReportBody = Type.Object(
  {},
  { additionalProperties: true, description: 'The report, as the tool wrote it' },
);
