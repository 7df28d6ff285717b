/**
 * Verifies that a secret scanning report really comes from GitHub (SPEC §11, docs/security.md
 * "Leaked tokens"): GitHub signs the raw request body with ECDSA P-256 / SHA-256 and names the
 * key in `Github-Public-Key-Identifier`; its public keys are listed at
 * `ORGTOKEN_GITHUB_KEYS_URL`. The list is fetched with a timeout and a size bound and kept for
 * an hour; an unknown identifier fetches it again at most once a minute. Every refusal is a
 * value; `unavailable` marks the ones where the list could not be had, so nothing is known
 * about the request and GitHub should retry it.
 */
import { createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { readBounded } from './bounded-body.js';

export const defaultGithubKeysUrl = 'https://api.github.com/meta/public_keys/secret_scanning';
/** The headers GitHub sends, lower-cased as Node reads them. */
export const githubKeyIdentifierHeader = 'github-public-key-identifier';
export const githubSignatureHeader = 'github-public-key-signature';
/** GitHub's list holds a handful of keys of ~200 bytes each: 64 KiB leaves ample room. */
export const maxGithubKeysBytes = 64 * 1024;
export const githubKeysCacheMs = 60 * 60 * 1000;
export const githubUnknownKeyRefetchMs = 60 * 1000;
/** GitHub's identifiers are 64 hex digits; anything far longer is not one. */
const maxKeyIdentifierLength = 256;
/**
 * A DER ECDSA P-256 signature is at most 72 bytes, 96 base64 characters. The bound is looser
 * so that a signature by a key of another type (RSA) is refused for its key, which says more.
 */
const maxSignatureLength = 512;
const defaultTimeoutMs = 5000;

export interface GithubScanningKeysOptions {
  clock: Clock;
  /** Where GitHub lists its keys (`ORGTOKEN_GITHUB_KEYS_URL`); see defaultGithubKeysUrl. */
  keysUrl: string;
  /** Bound of each request for the key list; 5000 ms by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The two headers of a report, as the route read them (undefined when absent). */
export interface GithubSignatureHeaders {
  keyIdentifier: string | undefined;
  signature: string | undefined;
}

/**
 * `unavailable` is set when the key list could not be had (network error, timeout, an answer
 * that is not a usable list): the report may be genuine, so the answer is 503 and GitHub sends
 * it again. Any other refusal is about the request itself: 401, nothing changes.
 */
export type GithubSignatureVerification =
  | { ok: true }
  | { ok: false; reason: string; unavailable?: true };

type Refusal = Extract<GithubSignatureVerification, { ok: false }>;

/** A listed key, or why it cannot verify anything (another type or curve than P-256). */
type ListedKey = { key: KeyObject } | { unusable: string };

const refuse = (reason: string): Refusal => ({ ok: false, reason });
const unavailable = (reason: string): Refusal => ({
  ok: false,
  reason: `GitHub's secret scanning keys are unavailable: ${reason}`,
  unavailable: true,
});

const unknownKeyReason =
  'unknown key identifier: GitHub lists no key under it (the list is fetched again at most once a minute)';

/** GitHub's secret scanning public keys, fetched on demand and cached. */
export class GithubScanningKeys {
  readonly #clock: Clock;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  #keys: Map<string, ListedKey> | null = null;
  #keysAtMs = 0;
  /** One fetch at a time: concurrent verifications wait for the same one. */
  #loading: Promise<Refusal | null> | null = null;
  #unknownKeyRefetchAtMs: number | null = null;
  /** How the last unknown-identifier refetch failed, answered until the next one may run. */
  #unknownKeyRefetchFailure: Refusal | null = null;

  constructor(options: GithubScanningKeysOptions) {
    this.#clock = options.clock;
    this.#url = options.keysUrl;
    this.#timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * Whether `signature` is GitHub's signature of exactly `rawBody` (the bytes received, before
   * any parsing) by the key `keyIdentifier` names. Header checks come first, so a request that
   * cannot pass never makes the server fetch the list.
   */
  async verify(
    rawBody: Buffer,
    headers: GithubSignatureHeaders,
  ): Promise<GithubSignatureVerification> {
    if (!Buffer.isBuffer(rawBody)) return refuse('the body must be the raw bytes received');
    // Read defensively: a caller from plain JavaScript may pass no headers object at all.
    const given: Partial<GithubSignatureHeaders> = headers ?? {};
    const identifier = checkIdentifier(given.keyIdentifier);
    if (typeof identifier !== 'string') return identifier;
    const signature = decodeSignature(given.signature);
    if (!Buffer.isBuffer(signature)) return signature;
    const loaded = await this.#ensureKeys(false);
    if (loaded !== null) return loaded;
    const listed = await this.#keyFor(identifier);
    if ('ok' in listed) return listed;
    if ('unusable' in listed) {
      return refuse(`the key GitHub lists under this identifier ${listed.unusable}`);
    }
    return signatureVerifies(rawBody, listed.key, signature)
      ? { ok: true }
      : refuse(
          'signature does not verify: it is not a signature of the raw body by the key GitHub lists under this identifier',
        );
  }

  /**
   * The listed key for `identifier`. When the cached list has none, it is fetched again, at
   * most once a minute (a fetch already running is waited for), so reports with made-up
   * identifiers cannot make the server hammer GitHub; a key GitHub has just rotated in is
   * found by that one refetch.
   */
  async #keyFor(identifier: string): Promise<ListedKey | Refusal> {
    const first = this.#keys?.get(identifier);
    if (first !== undefined) return first;
    const nowMs = this.#clock.nowMs();
    const mayRefetch =
      this.#loading !== null ||
      this.#unknownKeyRefetchAtMs === null ||
      nowMs - this.#unknownKeyRefetchAtMs >= githubUnknownKeyRefetchMs;
    if (!mayRefetch) return this.#unknownKeyRefetchFailure ?? refuse(unknownKeyReason);
    if (this.#loading === null) this.#unknownKeyRefetchAtMs = nowMs;
    const refusal = await this.#ensureKeys(true);
    this.#unknownKeyRefetchFailure = refusal;
    if (refusal !== null) return refusal;
    return this.#keys?.get(identifier) ?? refuse(unknownKeyReason);
  }

  /** Loads the list when missing or older than an hour (or `force`d); one load at a time. */
  async #ensureKeys(force: boolean): Promise<Refusal | null> {
    if (this.#loading !== null) return this.#loading;
    const nowMs = this.#clock.nowMs();
    if (!force && this.#keys !== null && nowMs - this.#keysAtMs < githubKeysCacheMs) return null;
    this.#loading = this.#load().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #load(): Promise<Refusal | null> {
    const body = await this.#fetchJson();
    if (!body.ok) return body;
    const keys = parseKeyList(body.value);
    if (keys === null) {
      return unavailable(`the answer of ${this.#url} is not a {public_keys: [...]} list`);
    }
    this.#keys = keys;
    this.#keysAtMs = this.#clock.nowMs();
    this.#unknownKeyRefetchFailure = null;
    return null;
  }

  /**
   * GET the list as JSON within the timeout and size bound; redirects are refused, not
   * followed. Every failure is `unavailable`: it says nothing about the report, and GitHub
   * cannot fix orgtoken's configuration, so a 401 would only drop a genuine report.
   */
  async #fetchJson(): Promise<{ ok: true; value: unknown } | Refusal> {
    let text: string | null;
    try {
      const response = await this.#fetch(this.#url, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        const redirect = response.status >= 300 && response.status < 400;
        return unavailable(
          `${this.#url} answered HTTP ${response.status}${redirect ? ' (redirects are not followed)' : ''}`,
        );
      }
      text = await readBounded(response, maxGithubKeysBytes);
    } catch (error) {
      return unavailable(`${this.#url}: ${this.#networkError(error)}`);
    }
    if (text === null) return unavailable(`the answer of ${this.#url} is larger than 64 KiB`);
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return unavailable(`the answer of ${this.#url} is not JSON`);
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
}

/** The identifier header, or why it is not one (absent, empty, too long, not visible ASCII). */
function checkIdentifier(value: unknown): string | Refusal {
  if (value === undefined || value === '') {
    return refuse('missing header Github-Public-Key-Identifier');
  }
  if (
    typeof value !== 'string' ||
    value.length > maxKeyIdentifierLength ||
    !/^[\x21-\x7e]+$/.test(value)
  ) {
    return refuse('header Github-Public-Key-Identifier is not a key identifier');
  }
  return value;
}

/**
 * The signature header's bytes. Node's base64 decoder skips characters outside the alphabet,
 * so the header is checked against the alphabet first: a mangled header is refused as such,
 * never verified as some other byte string.
 */
function decodeSignature(value: unknown): Buffer | Refusal {
  if (value === undefined || value === '') {
    return refuse('missing header Github-Public-Key-Signature');
  }
  if (
    typeof value !== 'string' ||
    value.length % 4 !== 0 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(value)
  ) {
    return refuse('header Github-Public-Key-Signature is not base64');
  }
  if (value.length > maxSignatureLength) {
    return refuse('header Github-Public-Key-Signature is longer than any signature GitHub sends');
  }
  return Buffer.from(value, 'base64');
}

/**
 * The usable list: identifier → key. Entries without a string identifier and PEM are skipped;
 * a key that is not an EC P-256 public key is kept as unusable, so a report naming it is
 * refused as such (and makes no refetch) while the other keys still work. `is_current` is not
 * needed: GitHub names the key it signed with, and a key it still lists is still its own.
 */
function parseKeyList(document: unknown): Map<string, ListedKey> | null {
  const list = (document as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(list)) return null;
  const keys = new Map<string, ListedKey>();
  for (const entry of list as unknown[]) {
    const { key_identifier: identifier, key } = (entry ?? {}) as Record<string, unknown>;
    if (typeof identifier !== 'string' || typeof key !== 'string') continue;
    // The first entry under an identifier wins: a later duplicate cannot replace it.
    if (!keys.has(identifier)) keys.set(identifier, importKey(key));
  }
  return keys;
}

function importKey(pem: string): ListedKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    return { unusable: 'is not a PEM public key' };
  }
  if (key.asymmetricKeyType !== 'ec') {
    return { unusable: `is an ${key.asymmetricKeyType ?? 'unknown'} key, not EC P-256` };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') return { unusable: `is on curve ${curve ?? 'unknown'}, not P-256` };
  return { key };
}

/** ECDSA / SHA-256 over the raw bytes; a malformed DER signature is a failed verification. */
function signatureVerifies(body: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verifySignature('sha256', body, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
