import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Process tests spawn the real binary, bin/orgtoken.js, which runs the compiled dist/, the
// browser tests load the built web UI, and the server serves the CLI bundle: a stale build
// would test yesterday's code, so every run builds all three once, first.
function build(what: string, script: string, args: string[]): void {
  // Vitest sets NODE_ENV=test; the builds are the production builds the server serves, so the
  // browser tests load the same React build (and bundle sizes) a user gets.
  const env = { ...process.env, NODE_ENV: 'production' };
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    encoding: 'utf8',
    env,
  });
  if (result.status !== 0) {
    throw new Error(
      `${what} failed, so the built server cannot be tested:\n${result.stdout}${result.stderr}${result.error ?? ''}`,
    );
  }
}

function buildAll(): void {
  const resolve = createRequire(import.meta.url).resolve;
  build('the TypeScript build (tsc -p tsconfig.json)', resolve('typescript/bin/tsc'), [
    '-p',
    'tsconfig.json',
  ]);
  // vite's exports map does not expose its bin; its package.json is next to it.
  const vite = join(dirname(resolve('vite/package.json')), 'bin', 'vite.js');
  build('the web UI build (vite build web)', vite, ['build', 'web', '--logLevel', 'warn']);
  // The CLI the server serves at /cli/orgtoken.mjs (src/http/routes/cli.ts).
  build('the CLI bundle (npm run build:cli)', vite, [
    'build',
    '--config',
    'scripts/cli-bundle.config.ts',
    '--logLevel',
    'warn',
  ]);
}

// Runs once before every suite: builds dist/, then checks PostgreSQL. PostgreSQL suites need
// TEST_DATABASE_URL; without it they are skipped on a laptop, loudly, and under CI=true the
// whole run fails.
export async function setup(): Promise<void> {
  buildAll();
  const url = process.env.TEST_DATABASE_URL;
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  if (!url) {
    if (ci)
      throw new Error(
        'CI=true but TEST_DATABASE_URL is not set: PostgreSQL suites cannot be skipped in CI',
      );
    console.warn(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '!! TEST_DATABASE_URL is not set: every PostgreSQL suite is SKIPPED.  !!',
        '!! Set it (e.g. postgres://postgres@127.0.0.1:5432/orgtoken_test)    !!',
        '!! to run the integration tests on both engines.                    !!',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
    return;
  }
  try {
    // Leftovers of a run that was cut short go first.
    await dropTestSchemas(url);
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL cannot be reached: ${String(error)}`);
  }
}

/** Drops every per-suite schema (t_…) once all suites are done. */
export async function teardown(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) await dropTestSchemas(url);
}

async function dropTestSchemas(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      "select nspname from pg_namespace where nspname ~ '^t_[0-9a-f]{12}$'",
    );
    for (const { nspname } of rows) {
      await client.query(`drop schema if exists ${pg.escapeIdentifier(nspname)} cascade`);
    }
  } finally {
    await client.end().catch(() => {});
  }
}
