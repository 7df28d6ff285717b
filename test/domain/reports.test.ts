import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { evaluateGate } from '../../src/domain/quality-gate.js';
import { parseGeneric } from '../../src/domain/reports/generic.js';
import { storedRanges, summarize } from '../../src/domain/reports/report.js';
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

/** The VALIDATION_FAILED a parse throws, or a failure when it throws anything else or nothing. */
function refusal(parse: () => unknown): { field: string | undefined; message: string } {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    expect(error.code).toBe('VALIDATION_FAILED');
    return { field: error.field, message: error.message };
  }
  throw new Error('the report was accepted');
}

const sarifWith = (extra: Record<string, unknown>, rules: unknown[] = [{ id: 'declared' }]) => ({
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 't', rules } }, results: [result({ ruleId: 'r', ...extra })] }],
});
const sarifLine = (startLine: unknown) =>
  sarifWith({ locations: [{ physicalLocation: { region: { startLine } } }] });
const genericLine = (startLine: unknown) => ({
  issues: [
    {
      engineId: 'e',
      ruleId: 'r',
      severity: 'MAJOR',
      primaryLocation: { message: 'm', filePath: 'f', textRange: { startLine } },
    },
  ],
});

describe('numbers a report gives', () => {
  const outOfRange: Array<[string, unknown]> = [
    ['2^31', 2 ** 31],
    ['2^53', 2 ** 53],
    ['1e300', 1e300],
    ['-1', -1],
    ['1.5', 1.5],
    ['a string', '7'],
    ['an object', { line: 7 }],
  ];

  it("bounds a line number to its column's range (a 32-bit integer on PostgreSQL)", () => {
    expect(storedRanges.line).toEqual({ min: 0, max: 2_147_483_647 });
    expect(parseSarif(sarifLine(2_147_483_647)).issues[0]?.line).toBe(2_147_483_647);
    expect(parseGeneric(genericLine(2_147_483_647)).issues[0]?.line).toBe(2_147_483_647);
    expect(parseSarif(sarifLine(0)).issues[0]?.line).toBe(0);
    expect(parseGeneric(genericLine(null)).issues[0]?.line).toBeNull();
  });

  it.each(outOfRange)('refuses a SARIF startLine of %s, naming the place', (_, value) => {
    expect(refusal(() => parseSarif(sarifLine(value)))).toEqual({
      field: '/body/runs/0/results/0/locations/0/physicalLocation/region/startLine',
      message:
        'runs[0].results[0].locations[0].physicalLocation.region.startLine must be an integer from 0 to 2147483647',
    });
  });

  it.each(outOfRange)(
    'refuses a generic textRange.startLine of %s, naming the place',
    (_, value) => {
      expect(refusal(() => parseGeneric(genericLine(value)))).toEqual({
        field: '/body/issues/0/primaryLocation/textRange/startLine',
        message:
          'issues[0].primaryLocation.textRange.startLine must be an integer from 0 to 2147483647',
      });
    },
  );

  it.each([
    ['ruleIndex', { ruleIndex: 1e300 }, '/body/runs/0/results/0/ruleIndex'],
    ['ruleIndex', { ruleIndex: 1.5 }, '/body/runs/0/results/0/ruleIndex'],
    ['ruleIndex', { ruleIndex: -2 }, '/body/runs/0/results/0/ruleIndex'],
    ['ruleIndex', { ruleIndex: 2 ** 53 }, '/body/runs/0/results/0/ruleIndex'],
    ['ruleIndex', { ruleIndex: '0' }, '/body/runs/0/results/0/ruleIndex'],
    ['rule.index', { rule: { index: 0.5 } }, '/body/runs/0/results/0/rule/index'],
    ['rule.index', { rule: { index: {} } }, '/body/runs/0/results/0/rule/index'],
    [
      'toolComponent.index',
      { rule: { index: 0, toolComponent: { index: -1e300 } } },
      '/body/runs/0/results/0/rule/toolComponent/index',
    ],
    [
      'toolComponent.index',
      { rule: { index: 0, toolComponent: { index: [0] } } },
      '/body/runs/0/results/0/rule/toolComponent/index',
    ],
  ])('refuses a %s that is no index (%j)', (_, extra, field) => {
    expect(refusal(() => parseSarif(sarifWith(extra))).field).toBe(field);
  });

  it('takes an index of -1 or beyond the rules as no index, and never reads past a list', () => {
    const rules = [{ id: 'declared', defaultConfiguration: { level: 'error' } }];
    const levelOf = (extra: Record<string, unknown>) =>
      parseSarif(sarifWith(extra, rules)).issues[0]?.level;
    // -1 is SARIF's "no index": the id decides (here an undeclared one, hence warning).
    expect(levelOf({ ruleIndex: -1 })).toBe('warning');
    expect(levelOf({ ruleIndex: -1, ruleId: 'declared' })).toBe('error');
    expect(levelOf({ ruleIndex: 0 })).toBe('error');
    expect(levelOf({ ruleIndex: 1 })).toBe('warning');
    expect(levelOf({ ruleIndex: Number.MAX_SAFE_INTEGER })).toBe('warning');
    // toolComponent.index -1 names no extension: the driver's rules.
    expect(levelOf({ rule: { index: 0, toolComponent: { index: -1 } } })).toBe('error');
    // An extension the run does not have, at the far end of the safe integers.
    expect(levelOf({ rule: { index: 0, toolComponent: { index: Number.MAX_SAFE_INTEGER } } })).toBe(
      'warning',
    );
  });
});

describe('SARIF file locations', () => {
  const located = (
    artifactLocation: Record<string, unknown>,
    originalUriBaseIds?: Record<string, unknown>,
  ) =>
    parseSarif({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 't' } },
          ...(originalUriBaseIds ? { originalUriBaseIds } : {}),
          results: [
            result({ ruleId: 'r', locations: [{ physicalLocation: { artifactLocation } }] }),
          ],
        },
      ],
    }).issues[0]?.file;
  const srcRoot = { '%SRCROOT%': { uri: 'file:///home/runner/work/repo/' } };

  it('shows an absolute location under the source root relative to the repository', () => {
    expect(located({ uri: 'file:///home/runner/work/repo/src/app.ts' }, srcRoot)).toBe(
      'src/app.ts',
    );
  });

  it('strips the longest base that the location starts with', () => {
    const bases = { ...srcRoot, '%WEB%': { uri: 'file:///home/runner/work/repo/web' } };
    expect(located({ uri: 'file:///home/runner/work/repo/web/main.tsx' }, bases)).toBe('main.tsx');
  });

  it('keeps a relative location relative to its uriBaseId, joining bases relative to bases', () => {
    const bases = { ...srcRoot, '%PKG%': { uri: 'packages/web/', uriBaseId: '%SRCROOT%' } };
    expect(located({ uri: 'src/a.ts', uriBaseId: '%SRCROOT%' }, bases)).toBe('src/a.ts');
    expect(located({ uri: 'app.ts', uriBaseId: '%PKG%' }, bases)).toBe('packages/web/app.ts');
  });

  it('reads a path percent-encoded as a URI the way a person writes it', () => {
    expect(located({ uri: 'file:///home/runner/work/repo/my%20app/a.ts' }, srcRoot)).toBe(
      'my app/a.ts',
    );
  });

  it('keeps what the report does not relate to a base as the tool wrote it', () => {
    expect(located({ uri: 'file:///elsewhere/a.ts' }, srcRoot)).toBe('file:///elsewhere/a.ts');
    expect(located({ uri: 'file:///home/runner/work/repository/a.ts' }, srcRoot)).toBe(
      'file:///home/runner/work/repository/a.ts',
    );
    expect(located({ uri: 'file:///home/runner/work/repo/a.ts' })).toBe(
      'file:///home/runner/work/repo/a.ts',
    );
  });

  it('ends a cycle of bases relative to each other', () => {
    const bases = {
      '%A%': { uri: 'a/', uriBaseId: '%B%' },
      '%B%': { uri: 'b/', uriBaseId: '%A%' },
    };
    expect(located({ uri: 'x.ts', uriBaseId: '%A%' }, bases)).toMatch(/^(a\/|b\/)+x\.ts$/);
  });

  it('refuses a base that is not an object, naming the place', () => {
    expect(refusal(() => located({ uri: 'a.ts' }, { '%SRCROOT%': 'file:///repo/' })).field).toBe(
      '/body/runs/0/originalUriBaseIds/%SRCROOT%',
    );
  });
});

describe('lookups in a report', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses a generic severity named like an object property (%s)',
    (severity) => {
      const issue = {
        engineId: 'e',
        ruleId: 'r',
        primaryLocation: { message: 'm', filePath: 'f' },
      };
      expect(refusal(() => parseGeneric({ issues: [{ ...issue, severity }] })).field).toBe(
        '/body/issues/0/severity',
      );
      expect(
        refusal(() =>
          parseGeneric({
            rules: [{ id: 'r', engineId: 'e', impacts: [{ severity }] }],
            issues: [issue],
          }),
        ).field,
      ).toBe('/body/rules/0/impacts/0/severity');
    },
  );

  it('reads a run with 200,000 tool extensions (no spread of a long array onto the stack)', () => {
    const parsed = parseSarif({
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: { name: 't' },
            extensions: Array.from({ length: 200_000 }, (_, i) => ({
              name: `x${i}`,
              rules: [{ id: `x${i}`, defaultConfiguration: { level: 'note' } }],
            })),
          },
          results: [
            result({ rule: { id: 'x199999', index: 0, toolComponent: { index: 199_999 } } }),
          ],
        },
      ],
    });
    expect(parsed.issues[0]).toMatchObject({ rule: 'x199999', level: 'note' });
  });

  it('finds a rule by id among the driver and every extension, the first declared winning', () => {
    const parsed = parseSarif({
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: { name: 't', rules: [{ id: 'a', defaultConfiguration: { level: 'note' } }] },
            extensions: [
              {
                name: 'x',
                rules: [
                  { id: 'a', defaultConfiguration: { level: 'error' } },
                  { id: 'b', defaultConfiguration: { level: 'error' } },
                ],
              },
            ],
          },
          results: [result({ ruleId: 'a' }), result({ ruleId: 'b' }), result({ ruleId: 'c' })],
        },
      ],
    });
    expect(parsed.issues.map((issue) => issue.level)).toEqual(['note', 'error', 'warning']);
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
