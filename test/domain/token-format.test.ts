import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checksum,
  digestHex,
  digestKey,
  generateToken,
  parseToken,
  tokenDetectionRegex,
  tokenDigest,
  tokenDigestKey,
  tokenHint,
  tokenPrefixes,
} from '../../src/domain/token-format.js';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const kinds = Object.keys(tokenPrefixes) as Array<keyof typeof tokenPrefixes>;

/** The checksum computed independently of the module: CRC32 in base 62, 6 digits. */
function referenceChecksum(body: string): string {
  let n = BigInt(crc32(body));
  let out = '';
  for (let i = 0; i < 6; i += 1) {
    out = alphabet[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

describe('token format', () => {
  it('every generated token matches the detection regex and its own checksum', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), (kind) => {
        const token = generateToken(kind);
        expect(token).toHaveLength(40);
        expect(token.startsWith(`${tokenPrefixes[kind]}_`)).toBe(true);
        expect(tokenDetectionRegex.test(token)).toBe(true);
        expect(token.slice(34)).toBe(referenceChecksum(token.slice(0, 34)));
        expect(parseToken(token)).toBe(kind);
      }),
      { numRuns: 2000 },
    );
  });

  it('every single-character change of a token fails the checksum', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.nat(39),
        fc.constantFrom(...alphabet, '_', '-', ' ', 'é', '\u0000'),
        (kind, position, replacement) => {
          const token = generateToken(kind);
          fc.pre(token[position] !== replacement);
          const changed = token.slice(0, position) + replacement + token.slice(position + 1);
          expect(parseToken(changed)).toBeNull();
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses anything that is not 40 characters of the format', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        fc.pre(!/^ot[oue]_/.test(text));
        expect(parseToken(text)).toBeNull();
      }),
      { numRuns: 2000 },
    );
    const token = generateToken('organization');
    expect(parseToken(`${token}x`)).toBeNull();
    expect(parseToken(token.slice(0, 39))).toBeNull();
    expect(parseToken(`xyz${token.slice(3)}`)).toBeNull();
  });

  it('writes the checksum most significant digit first, zero-padded', () => {
    // Known values: CRC32 of the body, in base 62 with digits 0-9A-Za-z.
    const body = `oto_${'0'.repeat(30)}`;
    expect(checksum(body)).toBe(referenceChecksum(body));
    expect(checksum('')).toBe('000000'); // crc32('') is 0
    expect(referenceChecksum('a')).toHaveLength(6);
    expect(checksum('a')).toBe(referenceChecksum('a'));
  });

  it('draws every base62 character with near-equal frequency (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i += 1) {
      for (const char of generateToken('organization').slice(4, 34)) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
      }
    }
    const expected = (4000 * 30) / 62;
    expect(counts.size).toBe(62);
    // Modulo bias over 256 would give the first 8 characters 5/4 the share of the others.
    for (const count of counts.values())
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
  });

  it('shows the prefix and the first 4 random characters as the hint', () => {
    const token = generateToken('personal');
    expect(tokenHint(token)).toBe(token.slice(0, 8));
    expect(tokenHint(token)).toMatch(/^otu_[0-9A-Za-z]{4}$/);
  });

  it('gives the cache key and the stored digest as the same 32 bytes of SHA-256', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (secret) => {
        const bytes = createHash('sha256').update(secret).digest();
        const key = tokenDigestKey(secret);
        expect(tokenDigest(secret)).toBe(bytes.toString('hex'));
        expect(key).toHaveLength(32);
        expect(Buffer.from(key, 'latin1').equals(bytes)).toBe(true);
        expect(digestHex(key)).toBe(tokenDigest(secret));
        expect(digestKey(tokenDigest(secret))).toBe(key);
      }),
    );
  });
});
