import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Analysis } from '../../contract/analyses.js';
import { tokenClient } from '../client.js';
import { serverUrl } from '../environment.js';
import { CliError, run } from '../errors.js';
import { credentialFromEnvironment, tokenFor } from '../oidc.js';
import { formatTable, plural, printJson, printLines } from '../output.js';
import {
  defaultReportTaskFile,
  prepareReportTaskFile,
  reportTaskFor,
  writeReportTask,
} from '../report-task.js';
import { type CommonOptions, withCommonOptions } from './common-options.js';

interface AnalyzeOptions extends CommonOptions {
  org: string;
  project: string;
  sarif?: string;
  generic?: string;
  branch?: string;
  commit?: string;
  gzip: boolean;
  timeout: number;
  /** Where to write SonarQube's report-task.txt; false with --no-metadata-file. */
  metadataFile: string | false;
}

/** GET /api/v1/server: what report-task.txt says of the server. */
interface ServerInfo {
  version: string;
  publicUrl: string | null;
}

/** Exit code of a failed quality gate; 2 stays for usage and authentication errors. */
const gateFailedExitCode = 1;

const defaultTimeoutSeconds = 300;

function seconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('give a whole number of seconds, at least 1');
  }
  return Number(value);
}

/** The report's text, checked to be JSON here so that a typo never costs an upload. */
async function readReport(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return text;
}

function describe(analysis: Analysis): string {
  const { summary, qualityGate } = analysis;
  const where = [
    analysis.branch && `branch ${analysis.branch}`,
    analysis.commit && `commit ${analysis.commit}`,
  ].filter(Boolean);
  return [
    `Analysis ${analysis.id} of project ${analysis.projectKey}${where.length ? ` (${where.join(', ')})` : ''}`,
    `Issues: ${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}, ${plural(summary.notes, 'note')} (${summary.total} in all)`,
    `Quality gate: ${qualityGate.status}`,
    ...(qualityGate.conditions.length === 0
      ? []
      : formatTable(
          ['  METRIC', 'ACTUAL', 'MAXIMUM', 'RESULT'],
          qualityGate.conditions.map((c) => [
            `  ${c.metric}`,
            String(c.actual),
            String(c.threshold),
            c.passed ? 'passed' : 'failed',
          ]),
        ).split('\n')),
  ].join('\n');
}

export function registerAnalyze(program: Command): void {
  withCommonOptions(
    program
      .command('analyze')
      .description('upload an analysis report and check the project’s quality gate')
      .requiredOption('--org <key>', 'organization key')
      .requiredOption('--project <key>', 'project key')
      .addOption(new Option('--sarif <file>', 'a SARIF 2.1.0 report').conflicts('generic'))
      .addOption(new Option('--generic <file>', 'a report in SonarQube’s generic issue format'))
      .option('--branch <name>', 'the branch analyzed')
      .option('--commit <sha>', 'the commit analyzed')
      .option('--no-gzip', 'send the report uncompressed (it is sent gzip-compressed otherwise)')
      .addOption(
        new Option(
          '--timeout <seconds>',
          'give up after this long (the token exchange included), retrying meanwhile when the server is busy (429, 503)',
        )
          .argParser(seconds)
          .default(defaultTimeoutSeconds),
      )
      .addOption(
        new Option(
          '--metadata-file <path>',
          'where to write the task of the upload for SonarQube’s quality-gate tooling',
        ).default(defaultReportTaskFile),
      )
      .option('--no-metadata-file', 'write no metadata file'),
  )
    .addHelpText(
      'after',
      [
        '',
        'Authenticates with ORGTOKEN_TOKEN (or SONAR_TOKEN). Without one, exchanges the CI’s',
        'identity for a short-lived token of --org: in GitHub Actions (permissions: id-token: write)',
        'with audience ORGTOKEN_OIDC_AUDIENCE (default: the server URL), elsewhere the JWT in',
        'ORGTOKEN_ID_TOKEN; ORGTOKEN_OIDC_POLICY names the trust policy (default: the server chooses).',
        '',
        'After the upload, writes the metadata file SonarQube’s scanner writes (serverUrl, ceTaskUrl,',
        'dashboardUrl, ...), so that tools which check the gate the SonarQube way work unchanged.',
        '',
        'Exit codes: 0 quality gate passed, 1 quality gate failed, 2 usage, authentication or server error',
        '(also when the metadata file cannot be written: the analysis is then stored all the same).',
      ].join('\n'),
    )
    .action(
      run(async (options: AnalyzeOptions) => {
        const file = options.sarif ?? options.generic;
        if (file === undefined)
          throw new CliError('give the report: --sarif FILE or --generic FILE');
        const url = serverUrl(options.url);
        const credential = credentialFromEnvironment();
        // One deadline for the exchange of a CI identity, if any, and the upload.
        const deadline = Date.now() + options.timeout * 1000;
        // Read before any exchange: a report that is not JSON never costs a minted token.
        const report = await readReport(file);
        const token = await tokenFor(credential, { baseUrl: url, org: options.org, deadline });
        const client = tokenClient(url, token);
        const metadataFile = options.metadataFile;
        // Asked before the upload: a server or a directory that cannot give the file fails the
        // command before an analysis is stored.
        let server: ServerInfo | null = null;
        if (metadataFile !== false) {
          await prepareReportTaskFile(metadataFile);
          server = await client.request<ServerInfo>('GET', '/api/v1/server', { deadline });
        }
        const path = `/api/v1/orgs/${encodeURIComponent(options.org)}/projects/${encodeURIComponent(options.project)}/analyses`;
        const analysis = await client.request<Analysis>('POST', path, {
          query: {
            format: options.sarif === undefined ? 'generic' : 'sarif',
            branch: options.branch,
            commit: options.commit,
          },
          deadline,
          // A report compresses to a tenth or less: the upload a CI job waits for is shorter.
          ...(options.gzip
            ? { encodedJson: { bytes: await promisify(gzip)(report), encoding: 'gzip' as const } }
            : { jsonText: report }),
        });
        if (options.json) printJson(analysis);
        else printLines(describe(analysis));
        if (metadataFile !== false && server !== null) {
          const task = reportTaskFor({
            serverUrl: url,
            server,
            org: options.org,
            projectKey: options.project,
            analysisId: analysis.id,
          });
          await writeReportTask(metadataFile, task);
          if (!options.json) printLines(`Task: ${task.ceTaskUrl} (in ${metadataFile})`);
        }
        return analysis.qualityGate.status === 'passed' ? 0 : gateFailedExitCode;
      }),
    );
}
