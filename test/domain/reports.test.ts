import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/domain/quality-gate.js';
import { parseGeneric } from '../../src/domain/reports/generic.js';
import { summarize } from '../../src/domain/reports/report.js';
import { parseSarif } from '../../src/domain/reports/sarif.js';

const result = (extra: Record<string, unknown>) => ({ message: { text: 'm' }, ...extra });

describe('SARIF levels', () => {
  const sarif = {
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'first',
            rules: [
              { id: 'r-error', defaultConfiguration: { level: 'error' } },
              { id: 'r-note', defaultConfiguration: { level: 'note' } },
              { id: 'r-plain' },
            ],
          },
          extensions: [
            {
              name: 'plugin',
              rules: [{ id: 'x-error', defaultConfiguration: { level: 'error' } }],
            },
          ],
        },
        results: [
          result({ ruleId: 'r-error' }),
          result({ ruleIndex: 1 }),
          result({ ruleId: 'r-plain' }),
          result({ ruleId: 'unknown' }),
          result({ ruleId: 'r-error', level: 'warning' }),
          result({ level: 'none', ruleId: 'r-plain' }),
          result({ rule: { id: 'x-error', index: 0, toolComponent: { index: 0 } } }),
        ],
      },
      { tool: { driver: { name: 'second' } }, results: [result({ level: 'error', ruleId: 'a' })] },
      { tool: { driver: { name: 'second' } } },
    ],
  };

  it("falls back to the rule's default level, then warning; none counts as a note; every run counts", () => {
    const parsed = parseSarif(sarif);
    expect(parsed.tools).toEqual(['first', 'second']);
    expect(parsed.issues.map((i) => `${i.rule}:${i.level}`)).toEqual([
      'r-error:error',
      'r-note:note',
      'r-plain:warning',
      'unknown:warning',
      'r-error:warning',
      'r-plain:note',
      'x-error:error',
      'a:error',
    ]);
    expect(summarize(parsed.issues)).toEqual({ errors: 3, warnings: 3, notes: 2, total: 8 });
  });

  it('reads file and line from the first physical location, and clips long text', () => {
    const parsed = parseSarif({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 't' } },
          results: [
            result({
              ruleId: 'r',
              message: { text: 'y'.repeat(10_000) },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'src/a.ts' },
                    region: { startLine: 7 },
                  },
                },
                { physicalLocation: { artifactLocation: { uri: 'src/b.ts' } } },
              ],
            }),
          ],
        },
      ],
    });
    expect(parsed.issues[0]).toMatchObject({ file: 'src/a.ts', line: 7 });
    expect(parsed.issues[0]?.message).toHaveLength(4000);
  });
});

describe('generic issue import', () => {
  it('maps severities and takes a rule severity (10.x format) when the issue has none', () => {
    const parsed = parseGeneric({
      rules: [
        {
          id: 'rule-high',
          engineId: 'lint',
          impacts: [{ softwareQuality: 'SECURITY', severity: 'HIGH' }],
        },
        { id: 'rule-minor', engineId: 'lint', severity: 'MINOR' },
      ],
      issues: ['BLOCKER', 'CRITICAL', 'MAJOR', 'MINOR', 'INFO']
        .map((severity) => ({
          engineId: 'e',
          ruleId: 'r',
          severity,
          primaryLocation: { message: 'm', filePath: 'f', textRange: { startLine: 3 } },
        }))
        .concat([
          { ruleId: 'rule-high', primaryLocation: { message: 'm', filePath: 'f' } } as never,
          { ruleId: 'rule-minor', primaryLocation: { message: 'm', filePath: 'f' } } as never,
        ]),
    });
    expect(parsed.issues.map((i) => i.level)).toEqual([
      'error',
      'error',
      'error',
      'warning',
      'note',
      'error',
      'warning',
    ]);
    expect(parsed.tools).toEqual(['e', 'lint']);
    expect(parsed.issues[0]?.line).toBe(3);
  });

  it('needs an engine and a severity from the issue or its rule', () => {
    expect(() =>
      parseGeneric({
        issues: [
          { ruleId: 'r', severity: 'MAJOR', primaryLocation: { message: 'm', filePath: 'f' } },
        ],
      }),
    ).toThrow('issues[0].engineId is required');
    expect(() =>
      parseGeneric({
        issues: [{ engineId: 'e', ruleId: 'r', primaryLocation: { message: 'm', filePath: 'f' } }],
      }),
    ).toThrow('issues[0].severity is required');
  });
});

describe('quality gate', () => {
  it('passes only when every set limit holds', () => {
    const summary = { errors: 2, warnings: 5, notes: 1, total: 8 };
    expect(evaluateGate(summary, { maxErrors: 2, maxWarnings: 5 }).status).toBe('passed');
    expect(evaluateGate(summary, { maxErrors: 1, maxWarnings: null }).status).toBe('failed');
    expect(evaluateGate(summary, { maxErrors: null, maxWarnings: 4 }).status).toBe('failed');
    expect(evaluateGate(summary, { maxErrors: null, maxWarnings: null })).toEqual({
      status: 'passed',
      conditions: [],
    });
  });
});
