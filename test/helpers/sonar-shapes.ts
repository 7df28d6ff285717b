import { type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { expect } from 'vitest';

// SonarQube's answers as its quality-gate tooling reads them, written here from SonarQube's
// shapes (docs/api.md "SonarQube-compatible quality gate") rather than imported from the
// server's contract, so that a change of the contract cannot change what the tests expect.

/** SonarQube's time format: 2026-11-29T04:06:46+0000. */
const SonarTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[+-]\\d{4}$' });

export const ceTaskShape = Type.Object({
  task: Type.Object({
    id: Type.String({ minLength: 1 }),
    type: Type.Literal('REPORT'),
    organization: Type.String({ minLength: 1 }),
    componentKey: Type.String({ minLength: 1 }),
    status: Type.Union(
      ['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'CANCELED'].map((s) => Type.Literal(s)),
    ),
    analysisId: Type.String({ minLength: 1 }),
    submittedAt: SonarTime,
    executedAt: SonarTime,
  }),
});

const Level = Type.Union([Type.Literal('OK'), Type.Literal('ERROR')]);

export const projectStatusShape = Type.Object({
  projectStatus: Type.Object({
    status: Type.Union([Level, Type.Literal('NONE')]),
    conditions: Type.Array(
      Type.Object({
        status: Level,
        metricKey: Type.String({ minLength: 1 }),
        comparator: Type.Union(['GT', 'LT'].map((c) => Type.Literal(c))),
        // SonarQube gives both as text, numbers included.
        errorThreshold: Type.String({ pattern: '^-?\\d+(\\.\\d+)?$' }),
        actualValue: Type.String({ pattern: '^-?\\d+(\\.\\d+)?$' }),
      }),
    ),
    ignoredConditions: Type.Literal(false),
  }),
});

/** Fails naming the first place where `value` does not have the shape. */
export function expectShape(schema: TSchema, value: unknown): void {
  const issue = TypeCompiler.Compile(schema).Errors(value).First();
  expect(issue && `${issue.path}: ${issue.message}`, JSON.stringify(value)).toBeUndefined();
}
