import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ServiceDeps } from '../../services/context.js';
import { signIn, signOut } from '../../services/sessions.js';
import {
  clearSessionCookie,
  metaOf,
  principalOf,
  sessionOf,
  setSessionCookie,
} from '../authentication.js';
import {
  authErrors,
  Email,
  errors,
  PermissionSchema,
  Strict,
  Timestamp,
  UserSchema,
} from '../schemas.js';

const SessionBody = Type.Object({ user: UserSchema, csrfToken: Type.String() });

// One object rather than a union of the two kinds: a union is serialized by trying each
// branch with a validator on every answer, and /me is the cheapest authenticated call CI
// makes. Which fields are present depends on `type`.
const MeSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('user'), Type.Literal('organization_token')]),
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
  },
  { description: 'The caller: a user, or an organization token' },
);

/** Sign-in, the current session with its CSRF token, sign-out, and /me. */
export function sessionRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/session',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['session'],
          summary: 'Sign in with email and password; sets the session cookie',
          body: Strict({
            email: Email,
            // Any length is checked against the hash; only the upper bound guards the server.
            password: Type.String({ minLength: 1, maxLength: 256 }),
          }),
          response: { 200: SessionBody, ...errors('INVALID_CREDENTIALS', 'RATE_LIMITED') },
        },
      },
      async (request, reply) => {
        const session = await signIn(deps, request.body, metaOf(request));
        setSessionCookie(request, reply, session.cookieValue, deps.sessions.absoluteSeconds);
        return { user: session.user, csrfToken: session.csrfToken };
      },
    );

    app.get(
      '/session',
      {
        schema: {
          tags: ['session'],
          summary: 'The signed-in user and the CSRF token to send with state-changing requests',
          response: { 200: SessionBody, ...errors(...authErrors) },
        },
      },
      async (request) => {
        const session = sessionOf(request);
        return { user: session.user, csrfToken: session.csrfToken };
      },
    );

    app.delete(
      '/session',
      {
        schema: {
          tags: ['session'],
          summary: 'Sign out: ends this session',
          response: { 204: Type.Null(), ...errors(...authErrors) },
        },
      },
      async (request, reply) => {
        await signOut(deps, sessionOf(request));
        clearSessionCookie(request, reply);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/me',
      {
        schema: {
          tags: ['session'],
          summary:
            'The caller: a user (by session or personal access token) or an organization token',
          response: { 200: MeSchema, ...errors(...authErrors) },
        },
      },
      async (request) => {
        const { actor, token } = principalOf(request);
        if (actor.type === 'user') {
          return {
            type: 'user' as const,
            id: actor.id,
            email: actor.email,
            name: actor.name,
            instanceAdmin: actor.instanceAdmin,
            authenticatedBy: actor.via,
            tokenExpiresAt: token?.expiresAt ?? null,
          };
        }
        return {
          type: 'organization_token' as const,
          id: actor.id,
          name: actor.name,
          organization: { id: actor.orgId, key: actor.orgKey },
          permissions: actor.permissions,
          projects: actor.projects,
          tokenExpiresAt: token?.expiresAt ?? null,
        };
      },
    );
  };
}
