import { type Static, Type } from '@sinclair/typebox';
import { Strict } from './common.js';

/** What a leak report does to an organization's live token (SPEC §11). */
export const LeakResponseSchema = Type.Object(
  {
    action: Type.Union([Type.Literal('revoke'), Type.Literal('notify')], {
      description:
        'revoke (default): revoke it at once; notify: keep it working and tell the admins',
    }),
  },
  { additionalProperties: false },
);
export type LeakResponse = Static<typeof LeakResponseSchema>;

export const CredentialsRevokeBody = Strict({
  credentials: Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), {
    minItems: 1,
    maxItems: 1000,
  }),
});

/** One reported match, as GitHub's secret scanning sends it. */
export const GithubMatchSchema = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 1000 }),
  type: Type.String({ maxLength: 200 }),
  url: Type.String({ maxLength: 2000 }),
  source: Type.String({ maxLength: 200 }),
});
export const GithubReportBody = Type.Array(GithubMatchSchema, { minItems: 1, maxItems: 1000 });
export type GithubMatch = Static<typeof GithubMatchSchema>;

export const GithubLabelsSchema = Type.Array(
  Type.Object({
    token_hash: Type.String({ description: 'SHA-256 of the reported string, hex' }),
    token_type: Type.String(),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]),
  }),
);
export type GithubLabels = Static<typeof GithubLabelsSchema>;
