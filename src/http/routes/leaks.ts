import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyReply } from 'fastify';
import secureJson from 'secure-json-parse';
import { OrgParams } from '../../contract/common.js';
import {
  CredentialsRevokeBody,
  GithubLabelsSchema,
  type GithubMatch,
  GithubReportBody,
  LeakResponseSchema,
} from '../../contract/leaks.js';
import { limitedAddress } from '../../domain/cidr.js';
import { AppError } from '../../domain/errors.js';
import { blockedFor, countUnlessBlocked } from '../../runtime/rate-limits.js';
import type { ServiceDeps } from '../../services/context.js';
import {
  getLeakResponse,
  githubLabels,
  putLeakResponse,
  reportLeaks,
} from '../../services/leaks.js';
import { callerOf } from '../auth/principal.js';
import { metaOf } from '../auth/request-meta.js';
import { authErrors, errors } from '../responses.js';

// GitHub sends up to 1,000 matches a request; each is a token, its type, a URL and a source.
const githubBodyLimit = 4 * 1024 * 1024;
/**
 * credentials/revoke answers no sooner than this after the request arrived: revoking the
 * live tokens among the strings takes a little longer than finding none, and the answer's
 * time must not say which strings were tokens (bench/README.md "Leaked tokens").
 */
export const revokeAnswerFloorMs = 50;

/** Resolves once `floorMs` have passed since `startedMs` (performance.now()). */
async function notBefore(startedMs: number, floorMs: number): Promise<void> {
  const left = startedMs + floorMs - performance.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}

/** Leaked tokens: GitHub's secret scanning partner endpoint, public revocation, the response. */
export function leakRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(githubScanningRoute(deps));

    app.post(
      '/credentials/revoke',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['leaked tokens'],
          summary:
            'Revoke any live tokens among these strings; no authentication, 60 requests an hour per address, always 202 and an empty body',
          body: CredentialsRevokeBody,
          response: { 202: Type.Null(), ...errors('RATE_LIMITED') },
        },
      },
      async (request, reply) => {
        const started = performance.now();
        const address = limitedAddress(request.ip);
        const now = deps.clock.nowMs();
        // Counted at once, and the count decides (one atomic increment, shared with Redis).
        const wait = await countUnlessBlocked(deps.limits.revokeRequests, address, now);
        if (wait > 0) throw new AppError('RATE_LIMITED', undefined, { retryAfterSeconds: wait });
        await reportLeaks(
          deps,
          metaOf(request),
          'public',
          request.body.credentials.map((secret) => ({ secret, url: null })),
        );
        await notBefore(started, revokeAnswerFloorMs);
        // Empty, whatever the strings were: nothing tells the caller which were tokens.
        return (reply as FastifyReply).code(202).send();
      },
    );

    app.get(
      '/orgs/:org/leak-response',
      {
        schema: {
          tags: ['leaked tokens'],
          summary: "What a leak report does to the organization's tokens (org admins)",
          params: OrgParams,
          response: {
            200: LeakResponseSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request) => getLeakResponse(deps, callerOf(request), request.params),
    );

    app.put(
      '/orgs/:org/leak-response',
      {
        schema: {
          tags: ['leaked tokens'],
          summary: 'Revoke leaked tokens at once (default), or only notify (org admins)',
          params: OrgParams,
          body: LeakResponseSchema,
          response: {
            200: LeakResponseSchema,
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request) => putLeakResponse(deps, callerOf(request), request.params, request.body),
    );
  };
}

/**
 * POST /secret-scanning/github, in a scope of its own: its JSON body is kept as the raw bytes
 * GitHub signed, checked against GitHub's published keys, and only then parsed.
 */
function githubScanningRoute(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: githubBodyLimit },
      (_request, body, done) => done(null, body),
    );
    app.post(
      '/secret-scanning/github',
      {
        config: { auth: 'none' },
        bodyLimit: githubBodyLimit,
        schema: {
          tags: ['leaked tokens'],
          summary:
            'GitHub secret scanning partner endpoint: signed reports of orgtoken tokens found in public places',
          response: {
            200: GithubLabelsSchema,
            ...errors('SIGNATURE_INVALID', 'SIGNING_KEYS_UNAVAILABLE', 'RATE_LIMITED'),
          },
        },
      },
      async (request) => {
        // Bad signatures count like failed tokens from the address: a forger is slowed down.
        const address = limitedAddress(request.ip);
        const wait = await blockedFor(deps.limits.tokenFailures, address, deps.clock.nowMs());
        if (wait > 0) throw new AppError('RATE_LIMITED', undefined, { retryAfterSeconds: wait });
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const header = (name: string) => {
          const value = request.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        const verified = await deps.githubKeys.verify(raw, {
          keyIdentifier: header('github-public-key-identifier'),
          signature: header('github-public-key-signature'),
        });
        if (!verified.ok) {
          if (!verified.unavailable) {
            await deps.limits.tokenFailures.fail(address, deps.clock.nowMs());
          }
          throw new AppError(
            verified.unavailable ? 'SIGNING_KEYS_UNAVAILABLE' : 'SIGNATURE_INVALID',
            verified.reason,
          );
        }
        const matches = parseMatches(raw);
        const live = await reportLeaks(
          deps,
          metaOf(request),
          'github',
          matches.map((m) => ({ secret: m.token, url: m.url || null })),
        );
        return githubLabels(matches, live);
      },
    );
  };
}

/** The signed body as matches: JSON without prototype keys, in GitHub's documented shape. */
function parseMatches(raw: Buffer): GithubMatch[] {
  let parsed: unknown;
  try {
    parsed = secureJson.parse(raw.toString('utf8'), undefined, {
      protoAction: 'error',
      constructorAction: 'error',
    });
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The body is not valid JSON.');
  }
  if (!Value.Check(GithubReportBody, parsed)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The body must be an array of 1 to 1000 {token, type, url, source} objects.',
    );
  }
  return parsed;
}
