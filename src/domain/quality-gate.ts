import type { Summary } from './reports/report.js';

/** A project's quality gate: the most errors and warnings an analysis may have. */
export interface QualityGate {
  maxErrors: number | null;
  maxWarnings: number | null;
}

/** The default gate: no error allowed, any number of warnings. */
export const defaultQualityGate: QualityGate = { maxErrors: 0, maxWarnings: null };

export interface GateCondition {
  metric: 'errors' | 'warnings';
  threshold: number;
  actual: number;
  passed: boolean;
}

export interface GateVerdict {
  status: 'passed' | 'failed';
  conditions: GateCondition[];
}

/** Evaluates each limit that is set; the gate passes when every condition does. */
export function evaluateGate(summary: Summary, gate: QualityGate): GateVerdict {
  const conditions: GateCondition[] = [];
  if (gate.maxErrors !== null) {
    conditions.push({
      metric: 'errors',
      threshold: gate.maxErrors,
      actual: summary.errors,
      passed: summary.errors <= gate.maxErrors,
    });
  }
  if (gate.maxWarnings !== null) {
    conditions.push({
      metric: 'warnings',
      threshold: gate.maxWarnings,
      actual: summary.warnings,
      passed: summary.warnings <= gate.maxWarnings,
    });
  }
  return {
    status: conditions.every((c) => c.passed) ? 'passed' : 'failed',
    conditions,
  };
}
