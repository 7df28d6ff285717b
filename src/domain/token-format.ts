import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The token format (docs/concepts.md): `<prefix>_<30 random base62><6 base62 of CRC32>`, 40 characters.
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

// Each base62 character's digit value (-1 for anything else), and the CRC32 (IEEE) table.
const digitValues = new Int8Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i += 1) digitValues[alphabet.charCodeAt(i)] = i;
const crcTable = new Int32Array(256);
for (let n = 0; n < 256; n += 1) {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  crcTable[n] = c;
}
const kindOfThirdLetter: Record<string, TokenKind> = {
  o: 'organization',
  u: 'personal',
  e: 'ephemeral',
};

/**
 * The kind a string of a token's length and prefix claims to be, or null: the cheap part of
 * the syntax check, with no look at the random part or the checksum.
 */
export function tokenShape(token: string): TokenKind | null {
  if (
    token.length !== tokenLength ||
    token.charCodeAt(0) !== 111 ||
    token.charCodeAt(1) !== 116 ||
    token.charCodeAt(3) !== 95
  ) {
    return null;
  }
  return kindOfThirdLetter[token[2] ?? ''] ?? null;
}

/**
 * The kind of a well-formed token with a valid checksum, or null. It runs on every
 * authenticated request, so it checks the characters and computes the CRC32 in one pass
 * over the text, with no allocation (zlib.crc32 would first convert the string; the
 * property tests check this against it), then compares the decoded checksum digits.
 */
export function parseToken(token: string): TokenKind | null {
  const kind = tokenShape(token);
  if (kind === null) return null;
  let crc = ~0;
  for (let i = 0; i < tokenLength - checksumLength; i += 1) {
    const code = token.charCodeAt(i);
    if (i > 3 && (code > 127 || (digitValues[code] ?? -1) < 0)) return null;
    crc = (crcTable[(crc ^ code) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  let value = 0;
  for (let i = tokenLength - checksumLength; i < tokenLength; i += 1) {
    const code = token.charCodeAt(i);
    const digit = code > 127 ? -1 : (digitValues[code] ?? -1);
    if (digit < 0) return null;
    value = value * 62 + digit;
  }
  return value === ~crc >>> 0 ? kind : null;
}

/** SHA-256 of the secret, hex: the only form stored. One-shot hashing, no Hash object. */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'hex');
}

/**
 * SHA-256 of the secret as a 32-character string, one character per byte ('binary' is
 * latin1): the key of the verification cache. A Map hashes its string key on every look-up,
 * and this form is half as long as hex and cheaper to make. `digestHex` turns it into the
 * stored form.
 */
export function tokenDigestKey(token: string): string {
  return hash('sha256', token, 'binary');
}

/** The stored (hex) form of a digest key: the same 32 bytes. */
export function digestHex(key: string): string {
  return Buffer.from(key, 'latin1').toString('hex');
}

/** The digest key of a stored (hex) digest. */
export function digestKey(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1');
}

/** The display hint: prefix and the first 4 random characters (`oto_Ab3x`). */
export function tokenHint(token: string): string {
  return token.slice(0, 8);
}
