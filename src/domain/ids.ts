import { randomFillSync } from 'node:crypto';

// Random bytes drawn 4 KiB at a time: one call into the system's generator per 256 ids
// instead of two per id (each id of an upload's transaction cost about 1 % of its time).
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

/** 16 fresh random bytes, this caller's alone (a view of the pool, never handed out again). */
function random16(): Buffer {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const bytes = pool.subarray(poolAt, poolAt + 16);
  poolAt += 16;
  return bytes;
}

let lastMs = -1;
let lastCounter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter, then random.
 * Ids made by one process sort in creation order even within one millisecond, which keeps
 * the audit log's newest-first order exact and index inserts local.
 */
export function newId(atMs: number = Date.now()): string {
  const bytes = random16();
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
    // Start low in the counter space so many ids fit in one millisecond: a random byte of
    // the id's own, which the counter overwrites below.
    counter = bytes[7] ?? 0;
  }
  lastMs = ms;
  lastCounter = counter;

  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
