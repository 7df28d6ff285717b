import { parseGeneric } from './generic.js';
import { type NormalizedIssue, type ParsedReport, type Summary, summarize } from './report.js';
import { parseSarif } from './sarif.js';

export type ReportFormat = 'sarif' | 'generic';

/** A report validated, normalized and counted: what an analysis is made of. */
export interface SummarizedReport extends ParsedReport {
  summary: Summary;
}

/**
 * A summarized report whose issues arrive in slices, each made only when it is reached: how
 * the ingest pool hands a report over, so that storing it never builds all of its issues at
 * once on the event loop.
 */
export interface SlicedReport {
  tools: string[];
  summary: Summary;
  issueSlices: Iterable<readonly NormalizedIssue[]>;
}

const parsers: Record<ReportFormat, (document: unknown) => ParsedReport> = {
  sarif: parseSarif,
  generic: parseGeneric,
};

/**
 * Validates and normalizes a report document of `format` and counts its issues by level;
 * throws VALIDATION_FAILED naming the place at fault.
 */
export function readReport(format: ReportFormat, document: unknown): SummarizedReport {
  const parsed = parsers[format](document);
  return { tools: parsed.tools, issues: parsed.issues, summary: summarize(parsed.issues) };
}
