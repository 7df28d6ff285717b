/**
 * Report parsing on its own, no server: how the parse time of reports built to defeat lookups
 * grows from n to 4n items (linear work: about 4 ×, a per-item scan of another list: 16 ×),
 * and the throughput of a normal 20 MB SARIF report, JSON.parse included, as an upload pays
 * it. A part of `npm run bench` (bench/run.ts); `npx tsx bench/parse.ts` runs it alone.
 */
import { performance } from 'node:perf_hooks';
import { parseGeneric } from '../src/domain/reports/generic.js';
import { parseSarif } from '../src/domain/reports/sarif.js';
import { bigSarif, hostileReports, parseGrowth } from '../test/helpers/big-sarif.js';
import { finishPart } from './lib/part.js';

const n = Number(process.env.BENCH_PARSE_N ?? 40_000);

const shapes = {
  undeclaredRuleIds: parseSarif,
  distinctToolNames: parseSarif,
  manyExtensions: parseSarif,
  distinctEngineIds: parseGeneric,
} as const satisfies Record<keyof typeof hostileReports, (document: unknown) => unknown>;

function growth() {
  const result: Record<string, { smallMs: number; largeMs: number; ratio: number }> = {};
  for (const [name, parse] of Object.entries(shapes)) {
    const measured = parseGrowth(parse, hostileReports[name as keyof typeof shapes], n, 5);
    result[name] = {
      smallMs: Number(measured.smallMs.toFixed(1)),
      largeMs: Number(measured.largeMs.toFixed(1)),
      ratio: Number(measured.ratio.toFixed(2)),
    };
  }
  return result;
}

/** Best wall time of `rounds` JSON.parse + parseSarif of a generated report of `megabytes`. */
function throughput(megabytes: number, rounds = 5) {
  const report = bigSarif(megabytes);
  const bytes = Buffer.byteLength(report.text);
  let best = Number.POSITIVE_INFINITY;
  let bestParseOnly = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i += 1) {
    const start = performance.now();
    const document: unknown = JSON.parse(report.text);
    const parsedAt = performance.now();
    const parsed = parseSarif(document);
    const end = performance.now();
    if (parsed.issues.length !== report.results) throw new Error('parse: lost results');
    best = Math.min(best, end - start);
    bestParseOnly = Math.min(bestParseOnly, end - parsedAt);
  }
  const rate = (ms: number) => Number((bytes / 1e6 / (ms / 1000)).toFixed(1));
  return {
    megabytes: Number((bytes / 1e6).toFixed(1)),
    results: report.results,
    bestMs: Math.round(best),
    mbPerSecond: rate(best),
    parseOnlyMs: Math.round(bestParseOnly),
    parseOnlyMbPerSecond: rate(bestParseOnly),
  };
}

async function main() {
  const result = {
    date: new Date().toISOString(),
    n,
    growth: growth(),
    throughput: throughput(20),
  };
  await finishPart(result);
}

await main();
