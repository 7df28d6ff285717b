import pg from 'pg';

// Runs once before every suite. PostgreSQL suites need TEST_DATABASE_URL; without it they
// are skipped on a laptop, loudly, and under CI=true the whole run fails.
export async function setup(): Promise<void> {
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
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL cannot be reached: ${String(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}
