import { describe, expect, it } from 'vitest';
import { parseGeneric } from '../../src/domain/reports/generic.js';
import { parseSarif } from '../../src/domain/reports/sarif.js';
import { hostileReports, parseGrowth } from '../helpers/big-sarif.js';

// A complexity check, not a speed target: the parse time of a report built to defeat lookups
// (every id missing from the list it would be looked up in, every name new) is compared at n
// and at 4n. Linear work takes about 4 times as long, a per-item scan of another list 16
// times; the bound leaves room for a busy machine (parseGrowth explains how it resists one).
// Comparing names is cheaper than copying rules, so the tool-name shape needs a larger n for
// a scan of the names to dominate the rest of its parse.
const bound = 10;

describe('report parsing stays linear in the input, whatever its shape', () => {
  it.each([
    [
      'SARIF results naming rule ids the run does not declare',
      parseSarif,
      hostileReports.undeclaredRuleIds,
      10_000,
    ],
    [
      'SARIF runs that each name a tool of their own',
      parseSarif,
      hostileReports.distinctToolNames,
      20_000,
    ],
    [
      'SARIF results that each refer to another tool extension',
      parseSarif,
      hostileReports.manyExtensions,
      10_000,
    ],
    [
      'generic issues that each name an engine of their own',
      parseGeneric,
      hostileReports.distinctEngineIds,
      10_000,
    ],
  ] as const)(
    '%s: 4n takes well under 16 times n',
    (_, parse, build, n) => {
      const { smallMs, largeMs, ratio } = parseGrowth(parse, build, n);
      expect(
        ratio,
        `${n} → ${4 * n}: ${smallMs.toFixed(1)} → ${largeMs.toFixed(1)} ms of CPU (${ratio.toFixed(1)} ×)`,
      ).toBeLessThan(bound);
    },
    60_000,
  );
});
