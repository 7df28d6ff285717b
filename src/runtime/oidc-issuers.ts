/**
 * Verifies a CI's OIDC token (a JWT) against the issuer a trust policy names (SPEC §12,
 * docs/security.md "Secretless CI"). The issuer's discovery document and keys are fetched with
 * a timeout and a size bound and kept for an hour; an unknown `kid` refetches the keys at most
 * once a minute per issuer. Every refusal is a value whose reason names the failed check in a
 * CI user's words and never holds the token or a claim's value.
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
  type LocalJWKSet,
} from 'jose';
import type { Clock } from '../domain/clock.js';
import { readBounded } from './bounded-body.js';

export const maxJwtLength = 16 * 1024;
export const maxIssuerDocumentBytes = 256 * 1024;
export const oidcAlgorithms = ['RS256', 'ES256'] as const;
export const oidcSkewSeconds = 60;
export const issuerCacheMs = 60 * 60 * 1000;
export const unknownKeyRefetchMs = 60 * 1000;
const defaultTimeoutMs = 5000;

export interface OidcIssuersOptions {
  clock: Clock;
  /** Issuer URLs, exactly as a policy names them, that may be served over http. */
  insecureIssuers: string[];
  /** Bound of each request to an issuer (discovery, keys); 5000 ms by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface OidcExpectation {
  issuer: string;
  audience: string;
}

export type OidcClaims = JWTPayload & Record<string, unknown>;

/**
 * `unavailable` is set when the issuer could not be asked (network error, timeout, HTTP 5xx or
 * 429): the token may be fine, so the answer is 503 and the CI may retry. Any other refusal is
 * about the token or the issuer's configuration: 401.
 */
export type OidcVerification =
  | { ok: true; claims: OidcClaims; header: { alg: string; kid?: string } }
  | { ok: false; reason: string; unavailable?: true };

type Refusal = Extract<OidcVerification, { ok: false }>;

interface IssuerState {
  jwksUri: string | null;
  discoveredAtMs: number;
  keys: LocalJWKSet | null;
  keysAtMs: number;
  /** One fetch at a time per issuer: concurrent verifications wait for it. */
  loading: Promise<Refusal | null> | null;
  unknownKeyRefetchAtMs: number | null;
}

const refuse = (reason: string): Refusal => ({ ok: false, reason });
const unavailable = (reason: string): Refusal => ({ ok: false, reason, unavailable: true });

/** Thrown inside jose's key resolution, to leave jwtVerify with the resolver's refusal. */
class KeyRefusal extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

/**
 * Why `issuer` cannot be trusted, or null when it can: an absolute URL without query,
 * fragment or credentials, https unless listed exactly in `insecureIssuers`.
 */
export function issuerProblem(issuer: string, insecureIssuers: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return `issuer ${issuer} is not a URL`;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return `issuer ${issuer} must not hold a query, a fragment or credentials`;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    return insecureIssuers.includes(issuer)
      ? null
      : `issuer ${issuer} is not https (allow it with ORGTOKEN_OIDC_INSECURE_ISSUERS)`;
  }
  return `issuer ${issuer} must be an https URL`;
}

/**
 * The token's unverified `iss` and audiences (`aud` as a list), to choose the policies to try;
 * null for anything that is not a JWT with a string `iss`. Nothing read here is trusted.
 */
export function peekClaims(jwt: unknown): { iss: string; aud: string[] } | null {
  if (typeof jwt !== 'string' || jwt.length > maxJwtLength) return null;
  let payload: JWTPayload;
  try {
    payload = decodeJwt(jwt);
  } catch {
    return null;
  }
  if (typeof payload.iss !== 'string') return null;
  const { aud } = payload;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? [...aud] : [];
  return { iss: payload.iss, aud: audiences.filter((entry) => typeof entry === 'string') };
}

/** The OIDC issuers a process trusts through its policies, with their keys cached. */
export class OidcIssuers {
  readonly #clock: Clock;
  readonly #insecure: readonly string[];
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #states = new Map<string, IssuerState>();

  constructor(options: OidcIssuersOptions) {
    this.#clock = options.clock;
    this.#insecure = [...options.insecureIssuers];
    this.#timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * Verifies `jwt` as a token of `expected.issuer` for `expected.audience`. Checks that need
   * no key come first (size, shape, algorithm, `iss`, the issuer's scheme), so a token that
   * cannot pass never makes the server ask an issuer; then the signature with the issuer's
   * keys, `exp`/`nbf` (60 s skew), `aud`, `iat` and `jti`. The caller checks `jti` for replay.
   */
  async verify(jwt: string, expected: OidcExpectation): Promise<OidcVerification> {
    const shape = checkShape(jwt);
    if ('reason' in shape) return shape;
    const issuerRefusal = checkIssuer(shape.payload.iss, expected.issuer);
    if (issuerRefusal !== null) return refuse(issuerRefusal);
    const problem = issuerProblem(expected.issuer, this.#insecure);
    if (problem !== null) return refuse(problem);
    const state = this.#stateOf(expected.issuer);
    const loaded = await this.#ensureKeys(expected.issuer, state, false);
    if (loaded !== null) return loaded;
    const now = this.#clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, (header) => this.#resolveKey(expected, state, header), {
        algorithms: [...oidcAlgorithms],
        issuer: expected.issuer,
        requiredClaims: ['exp', 'iat', 'jti'],
        clockTolerance: oidcSkewSeconds,
        currentDate: now,
      }));
    } catch (error) {
      return refusalOf(error, expected.issuer);
    }
    const claimRefusal = checkClaims(payload, expected.audience, now);
    if (claimRefusal !== null) return refuse(claimRefusal);
    const header: { alg: string; kid?: string } = { alg: shape.alg };
    if (shape.kid !== undefined) header.kid = shape.kid;
    return { ok: true, claims: payload as OidcClaims, header };
  }

  #stateOf(issuer: string): IssuerState {
    let state = this.#states.get(issuer);
    if (state === undefined) {
      state = {
        jwksUri: null,
        discoveredAtMs: 0,
        keys: null,
        keysAtMs: 0,
        loading: null,
        unknownKeyRefetchAtMs: null,
      };
      this.#states.set(issuer, state);
    }
    return state;
  }

  /** Loads discovery and keys when missing or older than an hour (or `force`d); one at a time. */
  async #ensureKeys(issuer: string, state: IssuerState, force: boolean): Promise<Refusal | null> {
    if (state.loading !== null) return state.loading;
    const nowMs = this.#clock.nowMs();
    if (!force && state.keys !== null && nowMs - state.keysAtMs < issuerCacheMs) return null;
    state.loading = this.#load(issuer, state).finally(() => {
      state.loading = null;
    });
    return state.loading;
  }

  async #load(issuer: string, state: IssuerState): Promise<Refusal | null> {
    if (state.jwksUri === null || this.#clock.nowMs() - state.discoveredAtMs >= issuerCacheMs) {
      const discovered = await this.#discover(issuer);
      if (typeof discovered !== 'string') return discovered;
      state.jwksUri = discovered;
      state.discoveredAtMs = this.#clock.nowMs();
    }
    const body = await this.#fetchJson(state.jwksUri, 'signing keys');
    if (!body.ok) return body;
    try {
      state.keys = createLocalJWKSet(body.value as never);
    } catch {
      return refuse(`signing keys at ${state.jwksUri} are not a JSON Web Key Set`);
    }
    state.keysAtMs = this.#clock.nowMs();
    return null;
  }

  /** The issuer's `jwks_uri`, from a discovery document that names this very issuer. */
  async #discover(issuer: string): Promise<string | Refusal> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const body = await this.#fetchJson(url, 'discovery');
    if (!body.ok) return body;
    const document = body.value as { issuer?: unknown; jwks_uri?: unknown } | null;
    if (typeof document !== 'object' || document === null) {
      return refuse(`discovery at ${url} is not a JSON object`);
    }
    if (document.issuer !== issuer) {
      return refuse(`discovery at ${url} names another issuer than ${issuer}`);
    }
    const jwksUri = document.jwks_uri;
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
      return refuse(`discovery at ${url} has no jwks_uri URL`);
    }
    const protocol = new URL(jwksUri).protocol;
    const insecure = this.#insecure.includes(issuer);
    if (protocol !== 'https:' && !(insecure && protocol === 'http:')) {
      return refuse(`discovery at ${url}: jwks_uri ${jwksUri} is not https`);
    }
    return jwksUri;
  }

  /** GET `url` as JSON within the timeout and size bound; redirects are refused, not followed. */
  async #fetchJson(url: string, what: string): Promise<{ ok: true; value: unknown } | Refusal> {
    let text: string | null;
    try {
      const response = await this.#fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        const status = `${what} at ${url} answered HTTP ${response.status}`;
        if (response.status >= 300 && response.status < 400) {
          return refuse(`${status} (redirects are not followed)`);
        }
        return response.status >= 500 || response.status === 429
          ? unavailable(`issuer unreachable: ${status}`)
          : refuse(status);
      }
      text = await readBounded(response, maxIssuerDocumentBytes);
    } catch (error) {
      return unavailable(`issuer unreachable: ${what} at ${url}: ${this.#networkError(error)}`);
    }
    if (text === null) return refuse(`${what} at ${url} is larger than 256 KiB`);
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return refuse(`${what} at ${url} is not JSON`);
    }
  }

  #networkError(error: unknown): string {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return `no answer within ${this.#timeoutMs} ms`;
    }
    // Node's fetch says "fetch failed" and puts the system error (ECONNREFUSED, ENOTFOUND…)
    // in `cause`; its code is shown, not its message, which names resolved addresses.
    const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
    if (typeof cause?.code === 'string') return cause.code;
    return error instanceof TypeError ? 'network error' : 'invalid answer';
  }

  /**
   * The key for a token's header. When the cached keys hold none with its `kid`, they are
   * fetched again, at most once a minute per issuer (a fetch already running is waited for),
   * so tokens with made-up key ids cannot make the server hammer the issuer.
   */
  async #resolveKey(
    expected: OidcExpectation,
    state: IssuerState,
    header: JWSHeaderParameters,
  ): Promise<CryptoKey> {
    const first = await keyOf(state, header);
    if (first !== null) return first;
    const nowMs = this.#clock.nowMs();
    const mayRefetch =
      state.loading !== null ||
      state.unknownKeyRefetchAtMs === null ||
      nowMs - state.unknownKeyRefetchAtMs >= unknownKeyRefetchMs;
    if (mayRefetch) {
      if (state.loading === null) state.unknownKeyRefetchAtMs = nowMs;
      const refusal = await this.#ensureKeys(expected.issuer, state, true);
      if (refusal !== null) throw new KeyRefusal(refusal);
      const second = await keyOf(state, header);
      if (second !== null) return second;
    }
    throw new KeyRefusal(
      refuse(
        header.kid === undefined
          ? 'unknown signing key: the token names no key id (kid) and no key of the issuer fits'
          : `unknown signing key: the issuer ${expected.issuer} publishes no key with this token's kid (its keys are fetched again at most once a minute)`,
      ),
    );
  }
}

/** The cached key for `header`, or null when none has its kid (or, without one, its type). */
async function keyOf(state: IssuerState, header: JWSHeaderParameters): Promise<CryptoKey | null> {
  if (state.keys === null) return null;
  try {
    return await state.keys(header);
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) return null;
    if (error instanceof errors.JWKSMultipleMatchingKeys) {
      throw new KeyRefusal(
        refuse(
          'signing key: the token names no key id (kid) and the issuer publishes several keys',
        ),
      );
    }
    // The issuer's key for this kid does not import (a malformed JWK, an RSA key under 2048
    // bits): the issuer's fault, refused like any other, never a 500.
    throw new KeyRefusal(
      refuse(
        `signing key: the issuer's key for this token cannot be used (${keyErrorText(error)})`,
      ),
    );
  }
}

interface Shape {
  alg: string;
  kid?: string;
  payload: JWTPayload;
}

/** Size, the three parts, a readable header and payload, and an accepted algorithm. */
function checkShape(jwt: unknown): Shape | Refusal {
  if (typeof jwt !== 'string') return refuse('token must be a string');
  if (jwt.length > maxJwtLength) {
    return refuse(`token is larger than ${maxJwtLength} bytes; CI tokens are far smaller`);
  }
  if (jwt.split('.').length !== 3) {
    return refuse('token is not a JWT (three base64url parts separated by dots)');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  let payload: JWTPayload;
  try {
    header = decodeProtectedHeader(jwt);
    payload = decodeJwt(jwt);
  } catch {
    return refuse('token is not a JWT: its header or payload is not base64url-encoded JSON');
  }
  const { alg, kid } = header;
  if (typeof alg !== 'string') return refuse('token header names no signing algorithm (alg)');
  if (!(oidcAlgorithms as readonly string[]).includes(alg)) {
    const shown = /^[A-Za-z0-9+_-]{1,20}$/.test(alg) ? alg : '(unreadable)';
    return refuse(`signing algorithm ${shown} is not accepted (RS256 or ES256 only)`);
  }
  if (kid !== undefined && typeof kid !== 'string')
    return refuse('token header kid is not a string');
  return kid === undefined ? { alg, payload } : { alg, kid, payload };
}

/** Exact comparison (OpenID Connect Core §3.1.3.7): no trailing-slash or case folding. */
function checkIssuer(iss: unknown, expected: string): string | null {
  if (iss === expected) return null;
  if (typeof iss !== 'string') return 'issuer: the token has no iss claim';
  const hint =
    iss.replace(/\/$/, '') === expected.replace(/\/$/, '')
      ? ' (they differ in a trailing slash, and issuers are compared exactly)'
      : iss.toLowerCase() === expected.toLowerCase()
        ? ' (they differ in letter case, and issuers are compared exactly)'
        : '';
  return `issuer: expected ${expected}, got a different value${hint}`;
}

/** `aud` (one string, or an array of exactly that one), `iat` not in the future, `jti`. */
function checkClaims(payload: JWTPayload, audience: string, now: Date): string | null {
  const { aud } = payload;
  if (aud === undefined) return 'audience: the token has no aud claim';
  if (Array.isArray(aud) && aud.length !== 1) {
    return `audience: expected ${audience}, got ${aud.length} audiences (a token for exactly one is required)`;
  }
  if ((Array.isArray(aud) ? aud[0] : aud) !== audience) {
    return `audience: expected ${audience}, got a different value`;
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) {
    return 'iat: the issue time must be a number of seconds';
  }
  if (payload.iat > nowSeconds + oidcSkewSeconds) {
    return `iat: issued at ${timeText(payload.iat)}, more than ${oidcSkewSeconds} s after the server's time ${timeText(nowSeconds)}`;
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') {
    return 'jti: the token id must be a non-empty string';
  }
  return null;
}

/** Turns an error thrown by jwtVerify (or by the key resolver inside it) into a refusal. */
function refusalOf(error: unknown, issuer: string): Refusal {
  if (error instanceof KeyRefusal) return error.refusal;
  if (error instanceof errors.JWTExpired) {
    return refuse(
      `token expired at ${timeText(error.payload.exp)} (${oidcSkewSeconds} s of clock skew allowed)`,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) return refuse(claimFailure(error));
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse(`signature: the token's signature does not verify with the key of ${issuer}`);
  }
  if (error instanceof errors.JOSEError) {
    // Malformed token parts and unusable keys; jose's messages never quote the token.
    return refuse(`token could not be verified: ${error.message}`);
  }
  // jose's TypeErrors at this point are about the issuer's key (an RSA modulus under 2048
  // bits, a key of another type): the token is refused, as with any key that cannot be used.
  if (error instanceof TypeError) {
    return refuse(`signing key: the issuer's key for this token cannot be used (${error.message})`);
  }
  throw error;
}

function claimFailure(error: InstanceType<typeof errors.JWTClaimValidationFailed>): string {
  const { claim, reason, payload } = error;
  if (reason === 'missing') {
    const what: Record<string, string> = {
      exp: 'an expiry',
      iat: 'an issue time',
      jti: 'a token id',
      iss: 'an issuer',
    };
    return `${claim}: the token has no ${claim} claim (${what[claim] ?? 'it'} is required)`;
  }
  if (reason === 'invalid') return `${claim}: must be a number of seconds`;
  if (claim === 'nbf') {
    return `token not valid before ${timeText(payload.nbf)} (${oidcSkewSeconds} s of clock skew allowed)`;
  }
  return `${claim}: the token's value does not match`;
}

function keyErrorText(error: unknown): string {
  return error instanceof errors.JOSEError || error instanceof TypeError
    ? error.message
    : 'it does not import';
}

function timeText(seconds: unknown): string {
  const date = new Date(Number(seconds) * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}
