import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * SPEC.md §2 token format: `<prefix>_<30 random base62><6 base62 of CRC32>`, 40 characters.
 * The checksum lets a leaked-secret scanner, and this server, reject a mistyped or made-up
 * token without touching the store.
 */
export const tokenPrefixes = {
  organization: 'oto',
  personal: 'otu',
  ephemeral: 'ote',
} as const;

export type TokenKind = keyof typeof tokenPrefixes;

/** The documented detection regex, for secret scanners. */
export const tokenDetectionRegex = /\bot[oue]_[0-9A-Za-z]{36}\b/;

export const tokenLength = 40;
const randomLength = 30;
const checksumLength = 6;
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const kindOfPrefix = new Map<string, TokenKind>(
  Object.entries(tokenPrefixes).map(([kind, prefix]) => [prefix, kind as TokenKind]),
);

/** `count` base62 characters from the CSPRNG, by rejection sampling (no modulo bias). */
function randomBase62(count: number): string {
  let out = '';
  while (out.length < count) {
    for (const byte of randomBytes(count * 2)) {
      // 248 = 4 × 62: bytes at or above it would favour the first 8 characters.
      if (byte < 248) out += alphabet[byte % 62];
      if (out.length === count) break;
    }
  }
  return out;
}

/** CRC32 (IEEE, as zlib computes it) as 6 base62 digits, most significant first. */
export function checksum(body: string): string {
  let value = crc32(body);
  let digits = '';
  for (let i = 0; i < checksumLength; i += 1) {
    digits = alphabet[value % 62] + digits;
    value = Math.floor(value / 62);
  }
  return digits;
}

/** A new secret of the given kind. */
export function generateToken(kind: TokenKind): string {
  const body = `${tokenPrefixes[kind]}_${randomBase62(randomLength)}`;
  return body + checksum(body);
}

/**
 * The kind of a well-formed token with a valid checksum, or null. Pure and cheap: run before
 * any store lookup.
 */
export function parseToken(token: string): TokenKind | null {
  if (token.length !== tokenLength || token[3] !== '_') return null;
  const kind = kindOfPrefix.get(token.slice(0, 3));
  if (!kind) return null;
  const tail = token.slice(4);
  for (const char of tail) if (!alphabet.includes(char)) return null;
  const body = token.slice(0, tokenLength - checksumLength);
  return checksum(body) === token.slice(tokenLength - checksumLength) ? kind : null;
}

/** SHA-256 of the secret, hex: the only form stored. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The display hint: prefix and the first 4 random characters (`oto_Ab3x`). */
export function tokenHint(token: string): string {
  return token.slice(0, 8);
}
