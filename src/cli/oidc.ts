import type { ExchangeRequest, ExchangeResult } from '../contract/trust-policies.js';
import { version } from '../version.js';
import { ApiClient, ApiError } from './client.js';
import {
  type CiIdentitySource,
  hasJwtShape,
  hasTokenShape,
  noTokenError,
  type OidcSettings,
  oidcFromEnvironment,
  tokenInEnvironment,
} from './environment.js';
import { CliError } from './errors.js';

type Environment = Record<string, string | undefined>;

/** What authenticates a command: a token from the environment, or the CI's identity to exchange. */
export type Credential =
  | { kind: 'token'; token: string }
  | { kind: 'oidc'; settings: OidcSettings };

/**
 * The credential the environment offers, checked before any request: ORGTOKEN_TOKEN or
 * SONAR_TOKEN first (a token someone set wins over the CI's identity), else a CI identity
 * (docs/cli.md). Neither: the "no token" error that names both ways.
 */
export function credentialFromEnvironment(env: Environment = process.env): Credential {
  const token = tokenInEnvironment(env);
  if (token !== undefined) return { kind: 'token', token };
  const settings = oidcFromEnvironment(env);
  if (settings === null) throw noTokenError();
  return { kind: 'oidc', settings };
}

export interface ExchangeTarget {
  /** The server URL, as serverUrl() gives it. */
  baseUrl: string;
  /** The organization whose trust policies decide; undefined: the command has no --org. */
  org: string | undefined;
  /** When every request, retries included, must be over (ms since the epoch). */
  deadline: number;
}

/**
 * The token to send: the environment's, or an ote_ token exchanged for the CI's identity
 * (POST /api/v1/oidc/token). The exchange is announced on stderr by its policy; neither the
 * JWT nor the ote_ secret is ever printed.
 */
export async function tokenFor(credential: Credential, target: ExchangeTarget): Promise<string> {
  if (credential.kind === 'token') return credential.token;
  if (target.org === undefined) {
    throw new CliError(
      'no token: ORGTOKEN_TOKEN and SONAR_TOKEN are unset; to exchange the CI’s identity token instead, pass --org',
    );
  }
  const { settings } = credential;
  const jwt = await identityToken(settings.source, target);
  const exchanged = await exchangeIdentityToken(target.baseUrl, {
    org: target.org,
    token: jwt,
    ...(settings.policy === undefined ? {} : { policy: settings.policy }),
    deadline: target.deadline,
  });
  console.error(
    `orgtoken: exchanged the CI’s identity token (${describeSource(settings.source)}) under trust policy "${exchanged.policy.name}" for an ephemeral token that expires at ${exchanged.expiresAt}`,
  );
  return exchanged.token;
}

function describeSource(source: CiIdentitySource): string {
  return source.kind === 'github-actions' ? 'GitHub Actions' : source.name;
}

/**
 * The audience GitHub is asked to put in `aud`: ORGTOKEN_OIDC_AUDIENCE, else the server URL
 * without trailing slashes (`https://orgtoken.example.com`), which is what a trust policy's
 * audience is compared with, exactly.
 */
export function defaultAudience(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

async function identityToken(source: CiIdentitySource, target: ExchangeTarget): Promise<string> {
  if (source.kind === 'variable') return source.jwt;
  return githubIdToken(source, source.audience ?? defaultAudience(target.baseUrl), target.deadline);
}

/** Waits before each new try of the runner's endpoint; as many tries as there are entries, plus one. */
const githubRetryDelaysMs = [1000, 2000, 4000, 8000];

type Attempt = { ok: true; jwt: string } | { ok: false; retry: boolean; message: string };

/**
 * GitHub Actions' ID token for `audience`: GET ACTIONS_ID_TOKEN_REQUEST_URL with `audience`
 * added to the query string it already has, `Authorization: bearer <request token>`, answer
 * `{"value": "<jwt>"}`. A busy or unreachable endpoint (429, 5xx, a network error) is tried
 * again, as GitHub's own toolkit does, while the deadline allows.
 */
export async function githubIdToken(
  source: Extract<CiIdentitySource, { kind: 'github-actions' }>,
  audience: string,
  deadline: number,
): Promise<string> {
  const url = new URL(source.requestUrl);
  url.searchParams.set('audience', audience);
  for (let tries = 0; ; tries += 1) {
    const attempt = await requestGithubIdToken(url, source.requestToken, deadline);
    if (attempt.ok) return attempt.jwt;
    const wait = githubRetryDelaysMs[tries];
    if (!attempt.retry || wait === undefined || Date.now() + wait >= deadline) {
      throw new CliError(attempt.message);
    }
    console.error(`orgtoken: ${attempt.message}; trying again in ${wait / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

// Only the origin is named in messages: the path and query identify the run, and nothing
// the runner hands out is worth repeating in a log.
async function requestGithubIdToken(
  url: URL,
  requestToken: string,
  deadline: number,
): Promise<Attempt> {
  const endpoint = `GitHub Actions’ ID token endpoint (${url.origin})`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      headers: {
        authorization: `bearer ${requestToken}`,
        accept: 'application/json',
        'user-agent': `orgtoken-cli/${version}`,
      },
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
    text = await response.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      return {
        ok: false,
        retry: false,
        message: `${endpoint} did not answer before the --timeout`,
      };
    }
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const reason = typeof cause?.code === 'string' ? cause.code : 'the request failed';
    return { ok: false, retry: true, message: `cannot reach ${endpoint}: ${reason}` };
  }
  if (!response.ok) {
    const retry = response.status === 429 || response.status >= 500;
    const hint =
      response.status === 401 || response.status === 403
        ? ': does the job have `permissions: id-token: write`?'
        : '';
    return {
      ok: false,
      retry,
      message: `${endpoint} answered ${response.status} ${response.statusText}${hint}`,
    };
  }
  const jwt = jwtFromAnswer(text);
  if (jwt === undefined) {
    return { ok: false, retry: false, message: `${endpoint} answered without a JWT in "value"` };
  }
  return { ok: true, jwt };
}

function jwtFromAnswer(text: string): string | undefined {
  try {
    const value = (JSON.parse(text) as { value?: unknown } | null)?.value;
    return typeof value === 'string' && hasJwtShape(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POST /api/v1/oidc/token: the JWT is the only credential. 429 and 503
 * (OIDC_ISSUER_UNAVAILABLE) are retried within the deadline by the client, as uploads are; a
 * refusal becomes the command's error with the server's code and message, which names each
 * failed condition.
 */
export async function exchangeIdentityToken(
  baseUrl: string,
  request: ExchangeRequest & { deadline: number },
): Promise<ExchangeResult> {
  const { deadline, ...body } = request;
  let answer: ExchangeResult | null;
  try {
    answer = await new ApiClient(baseUrl).request<ExchangeResult | null>(
      'POST',
      '/api/v1/oidc/token',
      { json: body, deadline },
    );
  } catch (error) {
    if (error instanceof ApiError) {
      throw new CliError(`the CI’s identity token was not exchanged for a token: ${error.message}`);
    }
    throw error;
  }
  const token = answer?.token;
  if (typeof token !== 'string' || !token.startsWith('ote_') || !hasTokenShape(token)) {
    throw new CliError(
      `${baseUrl} answered the exchange without an ote_ token: is it an orgtoken server?`,
    );
  }
  return answer as ExchangeResult;
}
