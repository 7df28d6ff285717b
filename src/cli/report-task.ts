import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from './errors.js';

// The metadata file SonarQube's scanner leaves after an upload, which the tools that check
// the quality gate the SonarQube way read first (docs/ci.md "Check the gate the SonarQube
// way"): where the server is, and the task whose status and analysis they then ask for.

/** Where SonarQube's scanner writes it, relative to the directory it runs in. */
export const defaultReportTaskFile = '.scannerwork/report-task.txt';

/** The file's properties, in the order the scanner writes them. */
export interface ReportTask {
  organization: string;
  projectKey: string;
  serverUrl: string;
  serverVersion: string;
  dashboardUrl: string;
  ceTaskId: string;
  ceTaskUrl: string;
}

/** A URL as the file carries it: normalized (no line break survives), no trailing slash. */
function withoutTrailingSlash(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

/**
 * The properties for an analysis uploaded to `serverUrl`. The task is the analysis (an upload
 * is answered once it is stored), so the task id is the analysis id. The task URL is on the
 * server the upload went to, as the scanner's is; the dashboard, the project's page in the web
 * UI, is on the server's public URL when it has one.
 */
export function reportTaskFor(upload: {
  serverUrl: string;
  server: { version: string; publicUrl: string | null };
  org: string;
  projectKey: string;
  analysisId: string;
}): ReportTask {
  const serverUrl = withoutTrailingSlash(upload.serverUrl);
  const publicUrl = upload.server.publicUrl ? withoutTrailingSlash(upload.server.publicUrl) : null;
  const id = encodeURIComponent(upload.analysisId);
  return {
    organization: upload.org,
    projectKey: upload.projectKey,
    serverUrl,
    serverVersion: upload.server.version,
    dashboardUrl: `${publicUrl ?? serverUrl}/orgs/${encodeURIComponent(upload.org)}/projects/${encodeURIComponent(upload.projectKey)}`,
    ceTaskId: upload.analysisId,
    ceTaskUrl: `${serverUrl}/api/ce/task?id=${id}`,
  };
}

/**
 * `key=value` lines, unescaped, as the scanner writes them: the tools read the file with `sed`
 * or line by line, and a Java-escaped `http\://` would break them. No value can need escaping:
 * keys are `[A-Za-z0-9_.:-]`, URLs are normalized (ASCII, no backslash, no line break).
 */
export function formatReportTask(task: ReportTask): string {
  return Object.entries(task)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

/**
 * Creates the file's directory before the upload, so that a place the file cannot go fails
 * the command before an analysis is stored for nothing.
 */
export async function prepareReportTaskFile(file: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
  } catch (error) {
    throw new CliError(`cannot create the directory of ${file}: ${(error as Error).message}`);
  }
}

/**
 * Writes the file whole or not at all (a temporary file renamed over it): a gate check that
 * reads it meanwhile never sees half of it.
 */
export async function writeReportTask(file: string, task: ReportTask): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, formatReportTask(task), 'utf8');
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(
      `analysis ${task.ceTaskId} was stored, but ${file} could not be written: ${(error as Error).message}`,
    );
  }
}
