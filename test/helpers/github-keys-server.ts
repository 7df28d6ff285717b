import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const githubKeysPath = '/meta/public_keys/secret_scanning';

/** The two headers GitHub sends with a report. */
export interface GithubSignature {
  keyIdentifier: string;
  signature: string;
}

export interface GithubKeySigner {
  keyIdentifier: string;
  sign(body: string | Buffer): GithubSignature;
}

/** Key types GitHub does not sign reports with, listed to check that they are refused. */
export type ForeignKeyKind = 'rsa' | 'ed25519' | 'p384';

export interface GithubKeysServer {
  /** `http://127.0.0.1:<port>/meta/public_keys/secret_scanning`: the verifier's keysUrl. */
  keysUrl: string;
  /** The current key's identifier. */
  readonly keyIdentifier: string;
  /** How many times the key list was requested. */
  readonly fetches: number;
  /** The headers GitHub would send with `body`, signed by the current key. */
  sign(body: string | Buffer): GithubSignature;
  /**
   * A new current key; the old one stays listed with `is_current: false`, or leaves the list
   * with `removeOld`. Returns the new identifier.
   */
  rotateKey(options?: { removeOld?: boolean }): string;
  /** A P-256 key pair the list does not hold, under an identifier of its own. */
  unlistedKey(): GithubKeySigner;
  /** Lists a key of another type (not current) and returns a signer with it. */
  listForeignKey(kind: ForeignKeyKind): GithubKeySigner;
  /** What to answer instead of the list from now on (null answers the list again). */
  setAnswer(answer: { status?: number; body?: string } | null): void;
  /** Wait this long before answering (to test timeouts). */
  setAnswerDelay(ms: number): void;
  close(): Promise<void>;
}

interface ListedKey {
  keyIdentifier: string;
  pem: string;
  signer: GithubKeySigner;
}

/** GitHub's identifiers are 64 hex digits; a SHA-256 of the public key has that shape. */
function identifierOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function listedKey(publicKey: KeyObject, signBytes: (bytes: Buffer) => Buffer): ListedKey {
  const keyIdentifier = identifierOf(publicKey);
  const signer: GithubKeySigner = {
    keyIdentifier,
    sign: (body) => ({
      keyIdentifier,
      signature: signBytes(Buffer.from(body)).toString('base64'),
    }),
  };
  return {
    keyIdentifier,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signer,
  };
}

/** A P-256 key signing as GitHub does: ECDSA over SHA-256 of the bytes, DER-encoded. */
function p256Key(): ListedKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return listedKey(publicKey, (bytes) =>
    sign('sha256', bytes, { key: privateKey, dsaEncoding: 'der' }),
  );
}

function foreignKey(kind: ForeignKeyKind): ListedKey {
  if (kind === 'rsa') {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return listedKey(publicKey, (bytes) => sign('sha256', bytes, privateKey));
  }
  if (kind === 'ed25519') {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return listedKey(publicKey, (bytes) => sign(null, bytes, privateKey));
  }
  // ECDSA on P-384 with SHA-256 is a valid signature, just not on the curve GitHub uses.
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return listedKey(publicKey, (bytes) =>
    sign('sha256', bytes, { key: privateKey, dsaEncoding: 'der' }),
  );
}

/**
 * A real HTTP server on 127.0.0.1 listing secret scanning keys in the shape GitHub's
 * `/meta/public_keys/secret_scanning` has, with fresh P-256 key pairs from node:crypto, and
 * signing report bodies as GitHub signs them.
 */
export async function startGithubKeysServer(): Promise<GithubKeysServer> {
  let current = p256Key();
  let others: ListedKey[] = [];
  let fetches = 0;
  let override: { status?: number; body?: string } | null = null;
  let delayMs = 0;
  const timers = new Set<NodeJS.Timeout>();

  const listBody = () =>
    JSON.stringify({
      public_keys: [current, ...others].map((entry) => ({
        key_identifier: entry.keyIdentifier,
        key: entry.pem,
        is_current: entry === current,
      })),
    });

  const server: Server = createServer((request, response) => {
    if (request.url !== githubKeysPath) {
      response.statusCode = 404;
      response.end();
      return;
    }
    fetches += 1;
    const answer = () => {
      response.statusCode = override?.status ?? 200;
      response.setHeader('content-type', 'application/json; charset=utf-8');
      response.end(override?.body ?? listBody());
    };
    if (delayMs === 0) answer();
    else {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delayMs);
      timers.add(timer);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;

  return {
    keysUrl: `http://127.0.0.1:${port}${githubKeysPath}`,
    get keyIdentifier() {
      return current.keyIdentifier;
    },
    get fetches() {
      return fetches;
    },
    sign: (body) => current.signer.sign(body),
    rotateKey(options = {}) {
      others = options.removeOld ? others : [current, ...others];
      current = p256Key();
      return current.keyIdentifier;
    },
    unlistedKey: () => p256Key().signer,
    listForeignKey(kind) {
      const entry = foreignKey(kind);
      others = [...others, entry];
      return entry.signer;
    },
    setAnswer(answer) {
      override = answer;
    },
    setAnswerDelay(ms) {
      delayMs = ms;
    },
    close() {
      closed ??= new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
