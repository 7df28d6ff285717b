import { type Static, Type } from '@sinclair/typebox';
import { Email, Nullable, Strict, Timestamp } from './common.js';
import { PermissionSchema } from './tokens.js';
import { UserSchema } from './users.js';

export const SignInBody = Strict({
  email: Email,
  // Any length is checked against the hash; only the upper bound guards the server.
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

/** A session: its user and the CSRF token its writes must send. */
export const SessionSchema = Type.Object({ user: UserSchema, csrfToken: Type.String() });

// One object rather than a union of the two kinds: a union is serialized by trying each
// branch with a validator on every answer, and /me is the cheapest authenticated call CI
// makes. Which fields are present depends on `type`.
export const MeSchema = Type.Object(
  {
    type: Type.Union([
      Type.Literal('user'),
      Type.Literal('organization_token'),
      Type.Literal('ephemeral_token'),
    ]),
    id: Type.String(),
    name: Type.String(),
    tokenExpiresAt: Type.Union([Timestamp, Type.Null()]),
    email: Type.Optional(Type.String({ description: 'user only' })),
    instanceAdmin: Type.Optional(Type.Boolean({ description: 'user only' })),
    authenticatedBy: Type.Optional(
      Type.Union(
        [Type.Literal('session'), Type.Literal('password'), Type.Literal('personal_access_token')],
        { description: 'user only' },
      ),
    ),
    organization: Type.Optional(
      Type.Object(
        { id: Type.String(), key: Type.String() },
        { description: 'organization_token only' },
      ),
    ),
    permissions: Type.Optional(
      Type.Array(PermissionSchema, { description: 'organization_token only' }),
    ),
    projects: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('all'), Type.Literal('selected')]),
          keys: Type.Optional(Type.Array(Type.String())),
          patterns: Type.Optional(Type.Array(Type.String())),
        },
        { description: 'organization_token only: its project scope' },
      ),
    ),
    policy: Type.Optional(
      Type.Object(
        { id: Nullable(Type.String()), name: Type.String() },
        { description: 'ephemeral_token only: the trust policy it was minted under' },
      ),
    ),
    run: Type.Optional(
      Type.Object(
        {
          issuer: Type.String(),
          subject: Type.String(),
          repository: Nullable(Type.String()),
          ref: Nullable(Type.String()),
          runId: Nullable(Type.String()),
        },
        { description: 'ephemeral_token only: the CI run it was minted for' },
      ),
    ),
  },
  {
    description:
      'The caller: a user, an organization token, or an ephemeral token (which has the fields of an organization token)',
  },
);

export type Session = Static<typeof SessionSchema>;
export type Me = Static<typeof MeSchema>;
