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
 * The token: ORGTOKEN_TOKEN, else SONAR_TOKEN. Never a flag: flags land in shell history
 * and in every process list on the machine. A value that is not a token's shape is refused
 * before any request, by the variable's name: no message quotes any part of it.
 */
export function tokenFromEnvironment(env: Environment = process.env): string {
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
  throw new CliError(
    'no token: set ORGTOKEN_TOKEN (or SONAR_TOKEN); tokens are never read from flags',
  );
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
