import { type AppError, invalid } from '../errors.js';

/** SPEC.md §3: an issue's level once normalized from any report format. */
export type IssueLevel = 'error' | 'warning' | 'note';

export const issueLevels: IssueLevel[] = ['error', 'warning', 'note'];

/** One finding of a report, normalized. */
export interface NormalizedIssue {
  tool: string;
  rule: string;
  level: IssueLevel;
  message: string;
  file: string | null;
  line: number | null;
}

export interface ParsedReport {
  tools: string[];
  issues: NormalizedIssue[];
}

export interface Summary {
  errors: number;
  warnings: number;
  notes: number;
  total: number;
}

/** Counts a report's issues by level. */
export function summarize(issues: NormalizedIssue[]): Summary {
  const summary = { errors: 0, warnings: 0, notes: 0, total: issues.length };
  for (const issue of issues) {
    if (issue.level === 'error') summary.errors += 1;
    else if (issue.level === 'warning') summary.warnings += 1;
    else summary.notes += 1;
  }
  return summary;
}

// Stored text is bounded: a report cannot make one row arbitrarily large.
const limits = { message: 4000, rule: 255, tool: 255, file: 1000 };

export function clip(value: string, field: keyof typeof limits): string {
  return value.length > limits[field] ? value.slice(0, limits[field]) : value;
}

/**
 * Walks an untrusted JSON document, naming each place the way a person reads it
 * (`runs[0].results[3].level`) in errors; the field is the same place as a JSON pointer
 * under /body.
 */
export class ReportPath {
  constructor(private readonly parts: Array<string | number> = []) {}

  at(part: string | number): ReportPath {
    return new ReportPath([...this.parts, part]);
  }

  toString(): string {
    return (
      this.parts
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
        .join('') || 'the report'
    );
  }

  /** The VALIDATION_FAILED error for this place; callers throw it. */
  error(message: string): AppError {
    const pointer = this.parts.map(
      (part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`,
    );
    return invalid(`/body${pointer.join('')}`, `${this.toString()} ${message}`);
  }

  object(value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.error('must be an object');
    }
    return value as Record<string, unknown>;
  }

  array(value: unknown): unknown[] {
    if (!Array.isArray(value)) throw this.error('must be an array');
    return value;
  }

  string(value: unknown): string {
    if (typeof value !== 'string') throw this.error('must be a string');
    // PostgreSQL cannot store a NUL character in text; no real report has one.
    if (value.includes('\u0000')) throw this.error('must not contain a NUL character');
    return value;
  }

  optionalString(value: unknown): string | null {
    return value === undefined || value === null ? null : this.string(value);
  }

  /** A line number (0 is taken as given, for file-level findings), or null when absent. */
  optionalLine(value: unknown): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw this.error('must be a non-negative integer');
    }
    return value;
  }
}
