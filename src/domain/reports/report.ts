import { type AppError, invalid } from '../errors.js';

/** An issue's level once normalized from any report format (docs/api.md "How reports are read"). */
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
 * The range of every numeric column a report value is stored in. `integer` is 32-bit signed
 * on PostgreSQL, which refuses anything beyond it, while SQLite would store any number (even
 * 1e300): bounding the value here gives every engine the same answer, a 400 naming the place.
 * A line number may be 0, for findings about a whole file.
 */
export const storedRanges = {
  line: { min: 0, max: 2_147_483_647 },
} as const;

export type StoredColumn = keyof typeof storedRanges;

// SARIF writes -1 for "no index"; a lookup index is never stored, only compared with a length.
const lookupRange = { min: -1, max: Number.MAX_SAFE_INTEGER };

function isIntegerIn(value: unknown, range: { min: number; max: number }): value is number {
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max
  );
}

/**
 * Walks an untrusted JSON document, naming each place the way a person reads it
 * (`runs[0].results[3].level`) in errors; the field is the same place as a JSON pointer
 * under /body. A place is its parent and one part, so that `at()` costs the same at any depth;
 * the whole path is only spelled out for an error.
 */
export class ReportPath {
  readonly #parent: ReportPath | null;
  readonly #part: string | number | null;

  constructor(parent: ReportPath | null = null, part: string | number | null = null) {
    this.#parent = parent;
    this.#part = part;
  }

  at(part: string | number): ReportPath {
    return new ReportPath(this, part);
  }

  #parts(): Array<string | number> {
    const parts: Array<string | number> = [];
    for (let path: ReportPath | null = this; path !== null; path = path.#parent) {
      if (path.#part !== null) parts.push(path.#part);
    }
    return parts.reverse();
  }

  toString(): string {
    return (
      this.#parts()
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
        .join('') || 'the report'
    );
  }

  /** The VALIDATION_FAILED error for this place; callers throw it. */
  error(message: string): AppError {
    const pointer = this.#parts().map(
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

  /** An optional object: null when absent (undefined or null). */
  optionalObject(value: unknown): Record<string, unknown> | null {
    return value === undefined || value === null ? null : this.object(value);
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

  /**
   * The one door for a number a report gives that is stored: an integer within its column's
   * range (storedRanges), or null when absent. Anything else is refused, naming the place.
   */
  optionalStored(value: unknown, column: StoredColumn): number | null {
    if (value === undefined || value === null) return null;
    const range = storedRanges[column];
    if (!isIntegerIn(value, range)) {
      throw this.error(`must be an integer from ${range.min} to ${range.max}`);
    }
    return value;
  }

  /**
   * An index a report refers to something by (SARIF's ruleIndex, toolComponent.index), or
   * null when absent or -1 (SARIF's "none"). It is only ever compared with a length, so any
   * safe integer is taken; a fraction, a negative other than -1, a huge number or a non-number
   * is refused, naming the place.
   */
  optionalIndex(value: unknown): number | null {
    if (value === undefined || value === null) return null;
    if (!isIntegerIn(value, lookupRange)) {
      throw this.error(`must be an integer from ${lookupRange.min} to ${lookupRange.max}`);
    }
    return value === -1 ? null : value;
  }
}

/** The item at `index` of `list`, or undefined when the index is absent or beyond it. */
export function itemAt<T>(list: readonly T[] | undefined, index: number | null): T | undefined {
  return list !== undefined && index !== null && index >= 0 && index < list.length
    ? list[index]
    : undefined;
}
