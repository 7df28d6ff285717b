import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MeSchema, SessionSchema, SignInBody } from '../../contract/session.js';
import type { ServiceDeps } from '../../services/context.js';
import { signIn, signOut } from '../../services/sessions.js';
import { principalOf, sessionOf } from '../auth/principal.js';
import { metaOf } from '../auth/request-meta.js';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie.js';
import { authErrors, errors } from '../responses.js';

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
          body: SignInBody,
          response: { 200: SessionSchema, ...errors('INVALID_CREDENTIALS', 'RATE_LIMITED') },
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
          response: { 200: SessionSchema, ...errors(...authErrors) },
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
            'The caller: a user (by session or personal access token), an organization token, or an ephemeral token minted by a trust policy',
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
        const asToken = {
          id: actor.id,
          name: actor.name,
          organization: { id: actor.orgId, key: actor.orgKey },
          permissions: actor.permissions,
          projects: actor.projects,
          tokenExpiresAt: token?.expiresAt ?? null,
        };
        return actor.minted
          ? {
              type: 'ephemeral_token' as const,
              ...asToken,
              policy: actor.minted.policy,
              run: actor.minted.run,
            }
          : { type: 'organization_token' as const, ...asToken };
      },
    );
  };
}
