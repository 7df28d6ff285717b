import { parseGeneric } from './generic.js';
import { type NormalizedIssue, type ParsedReport, type Summary, summarize } from './report.js';
import { parseSarif } from './sarif.js';

export type ReportFormat = 'sarif' | 'generic';

/** A report validated, normalized and counted: what an analysis is made of. */
export interface SummarizedReport extends ParsedReport {
  summary: Summary;
}

/**
 * A summarized report whose issues arrive in slices: how the ingest pool hands a report over.
 * From a worker, each slice is made only when it is reached, so that storing it never builds
 * all of its issues at once on the event loop; a small report parsed inline is one slice.
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
