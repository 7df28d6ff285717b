import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A SARIF 2.1.0 document of about `megabytes` MB, shaped like real linter output (rules with
 * default levels, results with locations), for size tests and the ingest benchmark.
 */
export function bigSarif(megabytes: number): { text: string; results: number; errors: number } {
  const rules = Array.from({ length: 50 }, (_, i) => ({
    id: `rule-${i}`,
    shortDescription: { text: `Rule number ${i}` },
    defaultConfiguration: { level: i % 5 === 0 ? 'error' : 'warning' },
  }));
  const target = megabytes * 1024 * 1024;
  const results: string[] = [];
  let size = 0;
  let errors = 0;
  for (let i = 0; size < target; i += 1) {
    const rule = i % 50;
    // Every third result leaves its level to the rule's default.
    const level = i % 3 === 0 ? undefined : i % 7 === 0 ? 'error' : 'note';
    const effective = level ?? (rule % 5 === 0 ? 'error' : 'warning');
    if (effective === 'error') errors += 1;
    const result = JSON.stringify({
      ruleId: `rule-${rule}`,
      ruleIndex: rule,
      ...(level ? { level } : {}),
      message: { text: `Finding ${i}: something in this file deserves a second look.` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `src/module-${i % 400}/file-${i % 37}.ts` },
            region: { startLine: (i % 900) + 1, startColumn: 5 },
          },
        },
      ],
    });
    results.push(result);
    size += result.length + 1;
  }
  const text = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"synthetic","rules":${JSON.stringify(rules)}}},"results":[${results.join(',')}]}]}`;
  return { text, results: results.length, errors };
}

/**
 * Reports shaped to defeat every lookup a parser could do by scanning a list, each with about
 * `n` of the repeated thing: a linear parser takes four times as long at 4n, a quadratic one
 * sixteen times. For the complexity test and the parse benchmark.
 */
export const hostileReports = {
  /** `n` declared rules, and `n` results that name ids no rule declares. */
  undeclaredRuleIds(n: number): unknown {
    return {
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'hostile',
              rules: Array.from({ length: n }, (_, i) => ({ id: `declared-${i}` })),
            },
          },
          results: Array.from({ length: n }, (_, i) => ({
            ruleId: `undeclared-${i}`,
            message: { text: 'm' },
          })),
        },
      ],
    };
  },

  /** `n` runs, each with a tool name of its own and one result. */
  distinctToolNames(n: number): unknown {
    return {
      version: '2.1.0',
      runs: Array.from({ length: n }, (_, i) => ({
        tool: { driver: { name: `tool-${i}` } },
        results: [{ ruleId: 'r', message: { text: 'm' } }],
      })),
    };
  },

  /**
   * `n` tool extensions of one rule each, and `n` results each referring to another extension
   * by an index past its rules and by an id no rule declares: both lookups miss.
   */
  manyExtensions(n: number): unknown {
    return {
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: { name: 'hostile' },
            extensions: Array.from({ length: n }, (_, i) => ({
              name: `extension-${i}`,
              rules: [{ id: `rule-${i}` }],
            })),
          },
          results: Array.from({ length: n }, (_, i) => ({
            rule: { id: `undeclared-${i}`, index: 1, toolComponent: { index: i } },
            message: { text: 'm' },
          })),
        },
      ],
    };
  },

  /** A generic issue report whose `n` issues each name an engine of their own. */
  distinctEngineIds(n: number): unknown {
    return {
      issues: Array.from({ length: n }, (_, i) => ({
        engineId: `engine-${i}`,
        ruleId: `rule-${i}`,
        severity: 'MAJOR',
        primaryLocation: { message: 'm', filePath: 'f', textRange: { startLine: i } },
      })),
    };
  },
};

// Collecting before each timed parse keeps one parse from paying for the garbage of another.
// Tests and tsx run without --expose-gc; the flag can still be set at run time.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** CPU time of this process, in milliseconds: unlike the wall clock, it does not count the time other processes hold the cores. */
function cpuMilliseconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * How the parse time of a report grows from `n` to `4n` items: the best CPU time of
 * `repetitions` parses of each, alternated, after a warm-up. Noise only ever adds time, so the
 * fastest parse is the closest to the work itself, and alternating spreads a busy spell of the
 * machine over both sizes.
 */
export function parseGrowth(
  parse: (document: unknown) => unknown,
  build: (n: number) => unknown,
  n: number,
  repetitions = 7,
): { smallMs: number; largeMs: number; ratio: number } {
  const small = build(n);
  const large = build(4 * n);
  parse(small);
  parse(large);
  let smallMs = Number.POSITIVE_INFINITY;
  let largeMs = Number.POSITIVE_INFINITY;
  const time = (document: unknown) => {
    collect();
    const start = cpuMilliseconds();
    parse(document);
    return cpuMilliseconds() - start;
  };
  for (let i = 0; i < repetitions; i += 1) {
    smallMs = Math.min(smallMs, time(small));
    largeMs = Math.min(largeMs, time(large));
  }
  return { smallMs, largeMs, ratio: largeMs / smallMs };
}
