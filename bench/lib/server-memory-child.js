// @ts-check
/**
 * Child process of bench/lib/server-memory.ts (bench/scale.ts): the resident memory of a server after it has verified
 * 1,000,000 distinct tokens. It starts orgtoken exactly as `orgtoken serve` does
 * (loadConfig, then startServer: the store opened and migrated, buildApp, listening), from the
 * built dist/ on plain Node.js: JavaScript, not TypeScript, so that no TypeScript loader
 * sits in the memory measured. `npm run bench` builds first.
 *
 * argv[2] is the SQLite file, already seeded. The parent streams the secrets over the IPC
 * channel in batches ({secrets}); each is verified through the app's own verifier
 * (app.runtime.verifier, as the authentication hook calls it), then the child asks for the
 * next batch ({next}), so it never holds more than one batch. On {done} it answers {result}:
 * process.memoryUsage() and /proc's VmRSS and VmHWM before and after, and after global.gc()
 * when run with --expose-gc; then it shuts down as the server does (usage flushed).
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../dist/config.js';
import { startServer } from '../../dist/server.js';

const mib = (/** @type {number} */ bytes) => Number((bytes / 2 ** 20).toFixed(1));

function memory() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (/** @type {string} */ field) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  const usage = process.memoryUsage();
  return {
    rssMiB: mib(usage.rss),
    peakRssMiB: mib(kib('VmHWM') * 1024),
    heapTotalMiB: mib(usage.heapTotal),
    heapUsedMiB: mib(usage.heapUsed),
    externalMiB: mib(usage.external),
    arrayBuffersMiB: mib(usage.arrayBuffers),
  };
}

/**
 * Resident memory by kind of mapping (/proc/self/smaps): `mallocHeap` is glibc's main arena
 * ([heap]), `anonymous` every other anonymous mapping (the V8 heap, malloc's other arenas,
 * thread stacks), `files` the mapped executable and libraries.
 */
function mappings() {
  let current = 'anonymous';
  const kib = { mallocHeap: 0, anonymous: 0, files: 0 };
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1] ?? '';
      current = name === '[heap]' ? 'mallocHeap' : name.startsWith('/') ? 'files' : 'anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kib[/** @type {'mallocHeap'|'anonymous'|'files'} */ (current)] += Number(rss[1]);
  }
  return {
    mallocHeapMiB: mib(kib.mallocHeap * 1024),
    anonymousMiB: mib(kib.anonymous * 1024),
    filesMiB: mib(kib.files * 1024),
  };
}

/** A full collection, twice (the second frees what the first's finalizers released). */
function collect() {
  const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);
  if (!gc) return false;
  gc();
  gc();
  return true;
}

const file = process.argv[2];
if (!file || !process.send) throw new Error('usage: a child of bench/scale.ts, with the file');
const send = process.send.bind(process);

const server = await startServer(
  loadConfig({
    DATABASE_URL: `sqlite:${file}`,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    // A configured admin, as in production (else the first-run setup link is printed).
    ORGTOKEN_ADMIN_EMAIL: 'bench@example.test',
    ORGTOKEN_ADMIN_PASSWORD: 'a long bench password',
  }),
);
const { verifier, cache, usage } = server.app.runtime;
const meta = { ip: '127.0.0.1', userAgent: 'bench' };
const started = memory();
const startedAt = Date.now();
let verified = 0;
let failed = 0;
// The memory every 10 s, to see the peak and the collector's rhythm.
const timeline = [];
const sampler = setInterval(() => {
  const { rssMiB, heapUsedMiB, heapTotalMiB, externalMiB } = memory();
  const atSeconds = Math.round((Date.now() - startedAt) / 1000);
  timeline.push({ atSeconds, verified, rssMiB, heapUsedMiB, heapTotalMiB, externalMiB });
}, 10_000);

process.on('message', async (/** @type {{secrets?: string[], done?: boolean}} */ message) => {
  if (message.secrets) {
    for (const secret of message.secrets) {
      const result = await verifier.verify(secret, meta);
      if (result.ok) verified += 1;
      else failed += 1;
    }
    send({ next: true });
    return;
  }
  if (!message.done) return;
  clearInterval(sampler);
  const after = { ...memory(), ...mappings() };
  const cacheEntries = cache.size;
  const pendingUsage = usage.pendingTokens;
  let afterGc = null;
  let cacheHeapMiB = null;
  if (collect()) {
    // A second for V8 to hand the freed pages back (it unmaps them on a background thread).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    afterGc = { ...memory(), ...mappings() };
    // What the cache itself holds: the heap after a collection, with and without it.
    cache.clear();
    collect();
    cacheHeapMiB = mib((afterGc.heapUsedMiB - memory().heapUsedMiB) * 2 ** 20);
  }
  send({
    result: {
      verified,
      failed,
      started,
      after,
      afterGc,
      cacheEntries,
      cacheHeapMiB,
      pendingUsageTokensAtEnd: pendingUsage,
      timeline,
    },
  });
  await server.close();
  process.disconnect();
});
send({ ready: true });
