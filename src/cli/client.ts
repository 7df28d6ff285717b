import { version } from '../version.js';
import { CliError } from './errors.js';

/**
 * The header the server sets when the token that authenticated a request expires within 7
 * days (src/http/auth/token-expiration.ts). Spelled out here so the CLI loads none of the server.
 */
const expirationHeader = 'SonarQube-Authentication-Token-Expiration';
const sessionCookie = 'orgtoken_session';

/** An error answer of the server: `{"error": {code, message, requestId, field?}}`. */
export class ApiError extends CliError {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    serverMessage: string,
    readonly requestId: string | null,
    readonly field: string | null,
  ) {
    const details = [code, field, requestId && `request ${requestId}`].filter(Boolean);
    super(`${serverMessage} (${details.join(', ')})`);
  }
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  /** Serialized as the JSON body. */
  json?: unknown;
  /** A body that is JSON text already (an analysis report, sent as read). */
  jsonText?: string;
  /** JSON as bytes, sent with this Content-Encoding (a gzip-compressed report). */
  encodedJson?: { bytes: Uint8Array; encoding: 'gzip' };
  /**
   * When the call must be over (ms since the epoch): answers 429 and 503 are retried after
   * the wait their Retry-After asks for, as long as the retry can start before then, and a
   * request still running then is cut off.
   */
  deadline?: number;
}

/** Statuses that mean "later": too many attempts, the server busy or its store away. */
const retriedStatuses = new Set([429, 503]);

/** Retry-After as seconds (RFC 9110: a number of seconds or an HTTP date); 5 s when absent. */
function retryAfterMs(response: Response): number {
  const header = response.headers.get('retry-after')?.trim() ?? '';
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? 5000 : Math.max(0, date - Date.now());
}

interface ErrorAnswer {
  error?: { code?: unknown; message?: unknown; requestId?: unknown; field?: unknown };
}

function errorFrom(response: Response, text: string): ApiError {
  let body: ErrorAnswer = {};
  try {
    body = JSON.parse(text) as ErrorAnswer;
  } catch {
    // Not orgtoken's error body: a proxy or another server answered.
  }
  const error = body.error ?? {};
  const string = (value: unknown) => (typeof value === 'string' ? value : null);
  return new ApiError(
    response.status,
    string(error.code) ?? `HTTP_${response.status}`,
    string(error.message) ?? `The server answered ${response.status} ${response.statusText}.`,
    string(error.requestId) ?? response.headers.get('x-request-id'),
    string(error.field),
  );
}

/** Calls orgtoken's HTTP API with fixed credentials headers. */
export class ApiClient {
  private warned = false;

  constructor(
    readonly baseUrl: string,
    private readonly credentials: Record<string, string> = {},
  ) {}

  /** Sends a request; resolves to the answer and its parsed JSON body, throws on an error answer. */
  async send(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ response: Response; body: unknown }> {
    const url = new URL(`${this.baseUrl.replace(/\/+$/, '')}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const body =
      options.encodedJson?.bytes ??
      options.jsonText ??
      (options.json === undefined ? undefined : JSON.stringify(options.json));
    const headers: Record<string, string> = {
      'user-agent': `orgtoken-cli/${version}`,
      accept: 'application/json',
      // Only with a body: the server refuses an empty body declared as JSON.
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.encodedJson ? { 'content-encoding': options.encodedJson.encoding } : {}),
      ...this.credentials,
    };
    let response: Response;
    let text: string;
    for (;;) {
      try {
        response = await fetch(url, {
          method,
          headers,
          body,
          ...(options.deadline === undefined
            ? {}
            : { signal: AbortSignal.timeout(Math.max(1, options.deadline - Date.now())) }),
        });
        text = await response.text();
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') {
          throw new CliError(`${this.baseUrl} did not answer before the --timeout`);
        }
        // A network failure comes with a cause (ECONNREFUSED, a TLS error). An error without
        // one was thrown while building the request, and its message can quote a header
        // value, the token's included: it is never printed.
        const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
        const reason =
          typeof cause?.code === 'string'
            ? cause.code
            : typeof cause?.message === 'string'
              ? cause.message
              : 'the request could not be built (a header holds a character HTTP does not allow)';
        throw new CliError(`cannot reach the server at ${this.baseUrl}: ${reason}`);
      }
      if (options.deadline === undefined || !retriedStatuses.has(response.status)) break;
      const wait = retryAfterMs(response);
      if (Date.now() + wait >= options.deadline) break;
      const refusal = errorFrom(response, text);
      console.error(
        `orgtoken: the server answered ${response.status} ${refusal.code}; trying again in ${Math.ceil(wait / 1000)} s`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.warnOfExpiry(response);
    if (!response.ok) throw errorFrom(response, text);
    try {
      return { response, body: text === '' ? null : JSON.parse(text) };
    } catch {
      throw new CliError(`${this.baseUrl} did not answer JSON: is it an orgtoken server?`);
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.send(method, path, options)).body as T;
  }

  // Once per run: a command that makes several calls should not repeat the warning.
  private warnOfExpiry(response: Response): void {
    const expiresAt = response.headers.get(expirationHeader);
    if (!expiresAt || this.warned) return;
    this.warned = true;
    console.error(
      `orgtoken: warning: the token expires at ${expiresAt} (within 7 days); rotate it before then.`,
    );
  }
}

/** A client authenticated by a token, as CI sends it. */
export function tokenClient(baseUrl: string, token: string): ApiClient {
  return new ApiClient(baseUrl, { authorization: `Bearer ${token}` });
}

/**
 * Signs in, runs `use` with a client that carries the session cookie and the CSRF header,
 * and signs out again. Token management needs this: the server refuses it to every token.
 */
export async function withSession<T>(
  baseUrl: string,
  credentials: { email: string; password: string },
  use: (client: ApiClient) => Promise<T>,
): Promise<T> {
  const { response, body } = await new ApiClient(baseUrl).send('POST', '/api/v1/session', {
    json: credentials,
  });
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0] ?? '')
    .find((pair) => pair.startsWith(`${sessionCookie}=`));
  const csrfToken = (body as { csrfToken?: unknown } | null)?.csrfToken;
  if (!cookie || typeof csrfToken !== 'string') {
    throw new CliError(`${baseUrl} signed in without a session: is it an orgtoken server?`);
  }
  const client = new ApiClient(baseUrl, { cookie, 'x-csrf-token': csrfToken });
  try {
    return await use(client);
  } finally {
    // The session ends on its own at its idle timeout; a failed sign-out is worth a warning,
    // never worth hiding the command's own result.
    await client.send('DELETE', '/api/v1/session').catch((error: unknown) => {
      console.error(`orgtoken: warning: sign-out failed: ${(error as Error).message}`);
    });
  }
}
