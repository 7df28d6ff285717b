import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters; stored beside every hash so they can be raised later. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt recommendation (N=2^17 needs 128 MiB; 2^15 keeps 32 MiB per sign-in). */
export const defaultScryptParams: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const keyLength = 32;
const saltLength = 16;

export const passwordMinLength = 12;
export const passwordMaxLength = 256;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes, or scrypt refuses the parameters.
    const maxmem = 256 * params.N * params.r;
    scrypt(password, salt, keyLength, { ...params, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Hashes and verifies passwords with scrypt. Every verification, including the one run
 * for an unknown email, derives exactly one key with the current parameters, so the time a
 * sign-in takes does not tell whether the account exists.
 */
export class PasswordHasher {
  readonly params: ScryptParams;
  /** Number of scrypt derivations performed; tests read it to check equal work. */
  derivations = 0;
  private readonly decoy: string;

  constructor(params: ScryptParams = defaultScryptParams) {
    this.params = params;
    // A hash of nothing: random salt and key under the current parameters.
    const { N, r, p } = params;
    this.decoy = [
      'scrypt',
      N,
      r,
      p,
      b64(randomBytes(saltLength)),
      b64(randomBytes(keyLength)),
    ].join('$');
  }

  /** Encodes as `scrypt$N$r$p$salt$hash` with base64 salt and hash. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(saltLength);
    const key = await this.derive(password, salt, this.params);
    const { N, r, p } = this.params;
    return ['scrypt', N, r, p, b64(salt), b64(key)].join('$');
  }

  /** Constant-time check of `password` against an encoded hash. */
  async verify(encoded: string, password: string): Promise<boolean> {
    const parsed = parseEncoded(encoded);
    if (!parsed) return false;
    const key = await this.derive(password, parsed.salt, parsed.params);
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  /** Spends the same work as verifying a real account's password, then fails. */
  async verifyDecoy(password: string): Promise<false> {
    await this.verify(this.decoy, password);
    return false;
  }

  private derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
    this.derivations += 1;
    return derive(password, salt, params);
  }
}

function parseEncoded(encoded: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const [scheme, n, r, p, salt, key] = encoded.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return null;
  return {
    params: { N: Number(n), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt, 'base64'),
    key: Buffer.from(key, 'base64'),
  };
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64');
}
