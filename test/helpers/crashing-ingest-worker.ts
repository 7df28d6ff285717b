import {
  type IngestOutcome,
  type IngestTask,
  ingestInWorker as parseReport,
} from '../../src/runtime/ingest-worker.js';

/** The tool name that makes this worker die; production workers know no such name. */
export const crashingToolName = 'crash-the-parser';

/**
 * The real ingest worker, except that it ends its thread in the middle of a task whose report
 * names `crashingToolName` near its start: the ingest suite's way to lose a worker mid-parse.
 */
export function ingestInWorker(task: IngestTask): IngestOutcome {
  const [first] = task.body.segments;
  const head = first ? Buffer.from(first.buffer, first.byteOffset, 300).toString('utf8') : '';
  if (head.includes(`"${crashingToolName}"`)) process.exit(1);
  return parseReport(task);
}
