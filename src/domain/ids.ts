import { randomBytes } from 'node:crypto';

let lastMs = -1;
let lastCounter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter, then random.
 * Ids made by one process sort in creation order even within one millisecond, which keeps
 * the audit log's newest-first order exact and index inserts local.
 */
export function newId(atMs: number = Date.now()): string {
  let ms = Math.max(0, Math.floor(atMs));
  let counter: number;
  if (ms <= lastMs) {
    ms = lastMs;
    counter = lastCounter + 1;
    if (counter > 0xfff) {
      ms += 1;
      counter = 0;
    }
  } else {
    // Start low in the counter space so many ids fit in one millisecond.
    counter = randomBytes(1)[0] ?? 0;
  }
  lastMs = ms;
  lastCounter = counter;

  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
