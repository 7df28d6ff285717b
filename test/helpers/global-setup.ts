import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Process tests spawn the real binary, bin/orgtoken.js, which runs the compiled dist/: a
// stale build would test yesterday's code, so every run compiles once, first.
function buildDist(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(
      `the TypeScript build failed (tsc -p tsconfig.json), so bin/orgtoken.js cannot be tested:\n${build.stdout}${build.stderr}${build.error ?? ''}`,
    );
  }
}

// Runs once before every suite: builds dist/, then checks PostgreSQL. PostgreSQL suites need
// TEST_DATABASE_URL; without it they are skipped on a laptop, loudly, and under CI=true the
// whole run fails.
export async function setup(): Promise<void> {
  buildDist();
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
