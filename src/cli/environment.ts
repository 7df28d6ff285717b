import { tokenLength, tokenPrefixes } from '../domain/token-format.js';
import { CliError } from './errors.js';
import { ask, askHidden } from './prompt.js';

type Environment = Record<string, string | undefined>;

// Empty counts as unset: CI systems often define a variable whose secret is missing as ''.
function first(env: Environment, names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** The server URL: `--url`, else ORGTOKEN_URL, else SONAR_HOST_URL (what scanners set). */
export function serverUrl(flag: string | undefined, env: Environment = process.env): string {
  const url = flag?.trim() || first(env, ['ORGTOKEN_URL', 'SONAR_HOST_URL']);
  if (!url) throw new CliError('no server URL: pass --url or set ORGTOKEN_URL (or SONAR_HOST_URL)');
  if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
    throw new CliError(`the server URL is not an http(s) URL: "${url}"`);
  }
  return url;
}

// The shape of docs/concepts.md (prefix, `_`, base62), not the checksum: a mistyped secret is
// still the server's to refuse, with its own error code.
const prefixes = Object.values(tokenPrefixes).map((prefix) => `${prefix}_`);
const tokenPattern = new RegExp(`^(?:${prefixes.join('|')})[0-9A-Za-z]{${tokenLength - 4}}$`);
// Whitespace and control characters (C0, DEL, C1): no token holds one, and the HTTP client's
// error for such a header value would quote the whole secret.
const unsafeCharacter = /[\s\p{Cc}]/u;

/**
 * The token: ORGTOKEN_TOKEN, else SONAR_TOKEN; undefined when neither is set. Never a flag:
 * flags land in shell history and in every process list on the machine. A value that is not
 * a token's shape is refused before any request, by the variable's name: no message quotes
 * any part of it.
 */
export function tokenInEnvironment(env: Environment = process.env): string | undefined {
  for (const name of ['ORGTOKEN_TOKEN', 'SONAR_TOKEN']) {
    const token = env[name]?.trim();
    if (!token) continue;
    if (unsafeCharacter.test(token)) {
      throw new CliError(
        `${name} holds a space, line break or other control character, which no token has: store the secret alone, on one line`,
      );
    }
    if (!tokenPattern.test(token)) {
      throw new CliError(
        `${name} does not hold an orgtoken token (${prefixes.join(', ')} then ${tokenLength - 4} letters and digits)`,
      );
    }
    return token;
  }
  return undefined;
}

/** Whether `value` has an orgtoken token's shape (an exchange answer is checked with it). */
export function hasTokenShape(value: string): boolean {
  return tokenPattern.test(value);
}

/** The refusal of a command that found no credential at all: it names every way to give one. */
export function noTokenError(): CliError {
  return new CliError(
    'no token: set ORGTOKEN_TOKEN (or SONAR_TOKEN), or let the CI prove its identity instead: in GitHub Actions give the job `permissions: id-token: write`, elsewhere put an OIDC ID token in ORGTOKEN_ID_TOKEN (GitLab: `id_tokens`); tokens are never read from flags',
  );
}

/** The token of tokenInEnvironment, required. */
export function tokenFromEnvironment(env: Environment = process.env): string {
  const token = tokenInEnvironment(env);
  if (token === undefined) throw noTokenError();
  return token;
}

/** Where the CI's identity token (a JWT its platform signs) comes from. */
export type CiIdentitySource =
  | {
      kind: 'github-actions';
      /** ACTIONS_ID_TOKEN_REQUEST_URL: the runner's endpoint; it has a query string already. */
      requestUrl: URL;
      /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: the bearer token that endpoint takes. */
      requestToken: string;
      /** ORGTOKEN_OIDC_AUDIENCE; undefined: the server URL. */
      audience: string | undefined;
    }
  | { kind: 'variable'; name: 'ORGTOKEN_ID_TOKEN'; jwt: string };

/** How the CLI exchanges the CI's identity for an ephemeral token (SPEC §12). */
export interface OidcSettings {
  source: CiIdentitySource;
  /** ORGTOKEN_OIDC_POLICY: a trust policy id or name; undefined lets the server choose. */
  policy: string | undefined;
}

// Three base64url segments, the signature's possibly empty: the shape of a compact JWS.
const jwtPattern = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether `value` has a JWT's shape; the server verifies everything else. */
export function hasJwtShape(value: string): boolean {
  return jwtPattern.test(value);
}

function idTokenVariable(env: Environment): CiIdentitySource | undefined {
  const jwt = env.ORGTOKEN_ID_TOKEN?.trim();
  if (!jwt) return undefined;
  // By the variable's name only: the JWT is the credential and never lands in a job log.
  if (!hasJwtShape(jwt)) {
    throw new CliError(
      'ORGTOKEN_ID_TOKEN does not hold a JWT (three base64url parts joined by dots): give it the ID token alone, on one line',
    );
  }
  return { kind: 'variable', name: 'ORGTOKEN_ID_TOKEN', jwt };
}

function githubActions(env: Environment): CiIdentitySource | undefined {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL?.trim();
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN?.trim();
  if (!url || !requestToken) return undefined;
  if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
    throw new CliError('ACTIONS_ID_TOKEN_REQUEST_URL is not an http(s) URL');
  }
  // fetch's error for a header value it refuses would quote the value whole.
  if (unsafeCharacter.test(requestToken)) {
    throw new CliError(
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN holds a space, line break or other control character',
    );
  }
  return {
    kind: 'github-actions',
    requestUrl: new URL(url),
    requestToken,
    audience: first(env, ['ORGTOKEN_OIDC_AUDIENCE']),
  };
}

/**
 * The CI identity to exchange when no token is set: ORGTOKEN_ID_TOKEN when set (it is what
 * someone chose to put there, on any platform), else GitHub Actions' ID token endpoint,
 * which the runner offers only to a job with `permissions: id-token: write`. Null: neither.
 */
export function oidcFromEnvironment(env: Environment = process.env): OidcSettings | null {
  const source = idTokenVariable(env) ?? githubActions(env);
  if (source === undefined) return null;
  return { source, policy: first(env, ['ORGTOKEN_OIDC_POLICY']) };
}

/**
 * A person's email and password for a session: ORGTOKEN_EMAIL and ORGTOKEN_PASSWORD, else
 * asked on the terminal (the password without echo). Never flags, for the same reason as
 * tokens.
 */
export async function sessionCredentials(
  env: Environment = process.env,
): Promise<{ email: string; password: string }> {
  const interactive = process.stdin.isTTY === true;
  const email =
    first(env, ['ORGTOKEN_EMAIL']) ?? (interactive ? (await ask('Email: ')).trim() : '');
  if (!email) {
    throw new CliError('managing tokens needs a person signed in: set ORGTOKEN_EMAIL');
  }
  // Not trimmed: spaces can be part of a password.
  const password =
    env.ORGTOKEN_PASSWORD || (interactive ? await askHidden(`Password for ${email}: `) : '');
  if (!password) {
    throw new CliError('set ORGTOKEN_PASSWORD, or run on a terminal to be asked for it');
  }
  return { email, password };
}
