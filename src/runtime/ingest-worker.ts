import { deserialize, serialize } from 'node:v8';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import secureJson from 'secure-json-parse';
import { AppError } from '../domain/errors.js';
import {
  type ReportFormat,
  readReport,
  type SlicedReport,
  type SummarizedReport,
} from '../domain/reports/read-report.js';
import type { NormalizedIssue } from '../domain/reports/report.js';
import { type BodySegments, joinedBody } from './body-segments.js';

/**
 * One upload to parse: its format and its body, decompressed, as the client sent it, in the
 * segments it was read into (body-segments.ts).
 */
export interface IngestTask {
  format: ReportFormat;
  body: BodySegments;
}

/** A refusal, naming the place at fault. */
export interface IngestRefusal {
  ok: false;
  field: string;
  message: string;
}

/**
 * What a worker gives back across the thread boundary. A refusal travels as a value: an
 * AppError would arrive as a plain Error, without its code and field.
 */
export type IngestOutcome = { ok: true; report: PackedReport } | IngestRefusal;

/** What an inline parse gives: the issues as objects, nothing to pack or unpack. */
export type InlineOutcome = { ok: true; report: SummarizedReport } | IngestRefusal;

/**
 * A report on its way back from a worker: its issues serialized in slices. Receiving a
 * message deserializes all of it at once on the event loop, and 80,000 issue objects took
 * about 100 ms there, then as long again in garbage collections copying them; bytes arrive
 * at the cost of a copy, and each slice becomes objects only when the store writes it
 * (slicedReport), so they die young.
 */
export interface PackedReport extends Omit<SummarizedReport, 'issues'> {
  issueSlices: Uint8Array[];
}

/** Issues per slice: unpacking one takes well under a millisecond. */
const sliceIssues = 256;

function packReport(report: SummarizedReport): PackedReport {
  const issueSlices: Uint8Array[] = [];
  for (let start = 0; start < report.issues.length; start += sliceIssues) {
    issueSlices.push(serialize(report.issues.slice(start, start + sliceIssues)));
  }
  return { tools: report.tools, summary: report.summary, issueSlices };
}

function* unpackedSlices(slices: Uint8Array[]): Generator<NormalizedIssue[]> {
  for (const slice of slices) yield deserialize(slice) as NormalizedIssue[];
}

/** The report of packReport, its slices unpacked one by one as they are reached. */
export function slicedReport(packed: PackedReport): SlicedReport {
  return {
    tools: packed.tools,
    summary: packed.summary,
    issueSlices: unpackedSlices(packed.issueSlices),
  };
}

/**
 * A report parsed on this thread, as one slice of all its issues (a 64 KiB body holds a few
 * thousand at most; the store cuts its statements by rows, not by slices). Packing would only
 * copy its issues into bytes and back: v8.serialize and deserialize were 6 % of the busy time
 * of small uploads, and their garbage more.
 */
export function inlineSlicedReport(report: SummarizedReport): SlicedReport {
  return { tools: report.tools, summary: report.summary, issueSlices: [report.issues] };
}

/**
 * Decodes, parses, validates and summarises one upload: in a worker of the ingest pool, or
 * inline for a small body (ingest-pool.ts). The JSON refusals are worded as Fastify's own JSON
 * parser words them (http/errors.ts), so that moving the parse off the event loop changed
 * no answer; `__proto__` and `constructor.prototype` keys are refused as Fastify refuses them.
 */
export function ingestReport(task: IngestTask): InlineOutcome {
  return parseBody(task.format, joinedBody(task.body));
}

/**
 * The JSON document of `text`, as secure-json-parse reads it: a leading byte order mark is
 * dropped, and `__proto__` and `constructor.prototype` keys are refused. Its check is two
 * regular expressions over the whole text (30 µs of a 26 KB upload's 210 µs parse), which
 * match only a key spelled out in the text, each letter as itself or as a `\u` escape (no
 * other JSON escape makes a letter): a text with neither word and no `\u` at all cannot
 * match, and JSON.parse alone gives the same document.
 */
function parsedJson(text: string): unknown {
  const cannotMatch =
    text.charCodeAt(0) !== 0xfeff &&
    !text.includes('\\u') &&
    !text.includes('__proto__') &&
    !text.includes('constructor');
  return cannotMatch ? JSON.parse(text) : secureJson.parse(text);
}

function parseBody(format: ReportFormat, body: Buffer): InlineOutcome {
  if (body.length === 0) return { ok: false, field: '/body', message: 'The JSON body is empty.' };
  let document: unknown;
  try {
    document = parsedJson(body.toString('utf8'));
  } catch {
    return {
      ok: false,
      field: '/body',
      message:
        "The request is malformed: Body is not valid JSON but content-type is set to 'application/json'",
    };
  }
  try {
    return { ok: true, report: readReport(format, document) };
  } catch (error) {
    if (error instanceof AppError && error.field !== undefined) {
      return { ok: false, field: error.field, message: error.message };
    }
    throw error;
  }
}

/**
 * The worker's entry (ingest-pool.ts): ingestReport, its slices moved to the event loop
 * thread instead of copied there. A slice that shares its memory with others (a small one
 * from Node's buffer pool) is copied.
 */
export function ingestInWorker(task: IngestTask): IngestOutcome {
  const body = joinedBody(task.body);
  // The segments are garbage once joined: a 20 MB report need not hold them while it parses.
  task.body.segments = [];
  const parsed = parseBody(task.format, body);
  if (!parsed.ok) return parsed;
  const outcome = { ok: true as const, report: packReport(parsed.report) };
  const owned = outcome.report.issueSlices
    .filter((slice) => slice.byteOffset === 0 && slice.byteLength === slice.buffer.byteLength)
    .map((slice) => slice.buffer);
  return move({
    [transferableSymbol]: owned,
    [valueSymbol]: outcome,
  } as never) as unknown as IngestOutcome;
}
