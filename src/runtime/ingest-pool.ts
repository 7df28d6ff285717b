import { Piscina } from 'piscina';
import { AppError, invalid } from '../domain/errors.js';
import type { ReportFormat, SlicedReport } from '../domain/reports/read-report.js';
import type { BodySegments } from './body-segments.js';
import { orgShareOf } from './ingest-share.js';
import {
  type IngestOutcome,
  type IngestTask,
  ingestReport,
  inlineSlicedReport,
  slicedReport,
} from './ingest-worker.js';

export interface IngestPoolOptions {
  /** Uploads parsed at once: the worker threads (ORGTOKEN_INGEST_CONCURRENCY). */
  concurrency: number;
  /** Uploads admitted beyond those, waiting for a worker (ORGTOKEN_INGEST_QUEUE). */
  queue: number;
  /**
   * Places one organization may hold at once (ORGTOKEN_INGEST_ORG_SHARE); default
   * `orgShareOf(concurrency, queue)`.
   */
  orgShare?: number;
  /**
   * The worker module, exporting `ingestInWorker`. Tests give one that fails on purpose;
   * everything else uses ingest-worker beside this file.
   */
  workerUrl?: URL;
  /** Told of each worker that stopped mid-parse (the log); the upload gets INGEST_FAILED. */
  onWorkerFailure?: (error: unknown) => void;
  /**
   * The largest body (ORGTOKEN_BODY_LIMIT_MB), which sizes a parser's heap: a report that
   * inflates far beyond its bytes (`[{},{},…]`) stops its worker (INGEST_FAILED) instead of
   * the whole process running out of memory.
   */
  bodyLimitBytes?: number;
}

/** A parser's old-generation heap: 16 times the body limit, at least 256 MiB. */
export function parserHeapMb(bodyLimitBytes: number): number {
  return Math.max(256, Math.ceil((bodyLimitBytes / (1024 * 1024)) * 16));
}

/**
 * Below this many bytes a body is parsed on the event loop: a worker round trip costs more
 * than the parse itself, and the parse stalls nothing for long (docs/operations.md "Ingest"
 * has the measurement).
 */
export const inlineBelowBytes = 64 * 1024;

/** What a refused upload is told to wait: about the time a large report takes to parse. */
export const busyRetryAfterSeconds = 2;

/**
 * Under vitest or tsx this module is TypeScript source and so is its worker, which the worker
 * thread then loads through tsx (a development dependency); built into dist/, both are
 * JavaScript and the thread needs no loader.
 */
function workerOf(url: URL | undefined): { filename: string; execArgv: string[] | undefined } {
  const worker =
    url ??
    new URL(
      import.meta.url.endsWith('.ts') ? './ingest-worker.ts' : './ingest-worker.js',
      import.meta.url,
    );
  return {
    filename: worker.href,
    execArgv: worker.pathname.endsWith('.ts') ? ['--import', 'tsx'] : undefined,
  };
}

/**
 * The segments' memory, moved to the worker instead of copied: every segment owns its
 * ArrayBuffer (body-segments.ts allocates each one on its own, never from Node's shared pool),
 * and the event loop never reads a body once it is handed over.
 */
function transferListOf(body: BodySegments): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const segment of body.segments) {
    if (segment.buffer instanceof ArrayBuffer) buffers.add(segment.buffer);
  }
  return [...buffers];
}

/**
 * The parsing side of uploads: admits at most `concurrency + queue` uploads at a time (the
 * rest are refused INGEST_BUSY before their body is read), and parses each admitted report
 * in a worker thread, so that decoding and validating a 50 MB report never holds up other
 * requests on the event loop.
 */
export class IngestPool {
  readonly #options: IngestPoolOptions;
  readonly #capacity: number;
  readonly #onWorkerFailure: (error: unknown) => void;
  readonly #orgShare: number;
  #pool: Piscina<IngestTask, IngestOutcome> | null = null;
  #admitted = 0;
  // Places held by organization; an organization holding none has no entry, so the map has
  // at most as many entries as there are places.
  readonly #held = new Map<string, number>();

  constructor(options: IngestPoolOptions) {
    this.#options = options;
    this.#capacity = options.concurrency + options.queue;
    this.#orgShare = options.orgShare ?? orgShareOf(options.concurrency, options.queue);
    this.#onWorkerFailure = options.onWorkerFailure ?? (() => {});
  }

  // Started at the first report that needs a worker: an instance that only ever gets small
  // reports (and every test app) starts no thread.
  #workers(): Piscina<IngestTask, IngestOutcome> {
    if (this.#pool) return this.#pool;
    const options = this.#options;
    const worker = workerOf(options.workerUrl);
    this.#pool = new Piscina({
      filename: worker.filename,
      // The export each task calls; a test's worker module exports one of the same name.
      name: 'ingestInWorker',
      execArgv: worker.execArgv,
      maxThreads: options.concurrency,
      // One thread kept warm: the first large upload after a quiet spell does not wait for
      // a thread to start; the others stop after a minute unused and give back their heap.
      minThreads: 1,
      idleTimeout: 60_000,
      // No maxQueue: admission bounds what reaches the pool (a place is held until its parse
      // and write end, and the parse of a client that went away is aborted), and a full queue
      // must never look like a failed parse.
      // Parsers yield the CPU to the event loop thread, which answers every other request:
      // on a machine with as many parsers as cores, this is what keeps those answers fast.
      niceIncrement: 10,
      resourceLimits: {
        maxOldGenerationSizeMb: parserHeapMb(options.bodyLimitBytes ?? 50 * 1024 * 1024),
      },
    });
    return this.#pool;
  }

  /** Uploads admitted and not yet released. */
  get admitted(): number {
    return this.#admitted;
  }

  /** Uploads of the organization `orgId` admitted and not yet released. */
  heldBy(orgId: string): number {
    return this.#held.get(orgId) ?? 0;
  }

  /**
   * Admits one upload of the organization `orgId`, before its body is read, or refuses it
   * with INGEST_BUSY and a Retry-After: when every place is held, or when that organization
   * holds its share of them already. The caller calls the returned function once the upload
   * is answered; calling it again does nothing.
   */
  admit(orgId: string): () => void {
    if (this.#admitted >= this.#capacity) {
      throw new AppError('INGEST_BUSY', undefined, { retryAfterSeconds: busyRetryAfterSeconds });
    }
    const held = this.heldBy(orgId);
    if (held >= this.#orgShare) {
      throw new AppError(
        'INGEST_BUSY',
        "This organization's uploads already hold their share of the server's parsing places; try again later.",
        { retryAfterSeconds: busyRetryAfterSeconds },
      );
    }
    this.#admitted += 1;
    this.#held.set(orgId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#admitted -= 1;
      const left = this.heldBy(orgId) - 1;
      if (left > 0) this.#held.set(orgId, left);
      else this.#held.delete(orgId);
    };
  }

  /**
   * The report in `body` validated, normalized and summarised; VALIDATION_FAILED naming the
   * place at fault, or INGEST_FAILED when the worker parsing it stopped (it is replaced, and
   * the next upload gets a new one).
   */
  async parse(
    format: ReportFormat,
    body: BodySegments,
    signal?: AbortSignal,
  ): Promise<SlicedReport> {
    if (body.length < inlineBelowBytes) {
      const inline = ingestReport({ format, body });
      if (!inline.ok) throw invalid(inline.field, inline.message);
      return inlineSlicedReport(inline.report);
    }
    const outcome = await this.#workers()
      .run({ format, body }, { transferList: transferListOf(body), ...(signal ? { signal } : {}) })
      .catch((error: unknown) => {
        // A parse abandoned because its client left is no parser failure.
        if (signal?.aborted) throw new AppError('INGEST_FAILED', 'The upload was abandoned.');
        this.#onWorkerFailure(error);
        throw new AppError('INGEST_FAILED');
      });
    if (!outcome.ok) throw invalid(outcome.field, outcome.message);
    return slicedReport(outcome.report);
  }

  /** Stops the workers; a parse still running is abandoned. */
  async close(): Promise<void> {
    await this.#pool?.destroy();
  }
}
