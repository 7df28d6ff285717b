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
