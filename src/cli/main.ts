import { Command, Option } from 'commander';
import { ConfigError, loadConfig, settings } from '../config.js';
import { startServer, version } from '../server.js';
import { openStore, redactUrl } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';

/** Each `serve` flag sets the environment variable it twins, then config.ts reads them all. */
function applyFlags(options: Record<string, string | boolean | undefined>): void {
  for (const { env, flag } of Object.values(settings)) {
    const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = options[key];
    if (value !== undefined) process.env[env] = String(value);
  }
}

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`orgtoken: ${message}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
}

const program = new Command()
  .name('orgtoken')
  .description('Scoped organization tokens for a code-quality platform')
  .version(version);

const serve = program.command('serve').description('run the orgtoken server');
for (const { env, flag } of Object.values(settings)) {
  const boolean = flag === 'trust-proxy';
  serve.addOption(new Option(boolean ? `--${flag}` : `--${flag} <value>`, `overrides ${env}`));
}
serve.action(async (options: Record<string, string | boolean | undefined>) => {
  try {
    applyFlags(options);
    const server = await startServer(loadConfig());
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      server.app.log.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        (error: unknown) => fail(error),
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    fail(error);
  }
});

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .addOption(new Option('--database-url <url>', 'overrides DATABASE_URL'))
  .action(async (options: { databaseUrl?: string }) => {
    try {
      if (options.databaseUrl) process.env.DATABASE_URL = options.databaseUrl;
      const config = loadConfig();
      const store = openStore(config.databaseUrl);
      try {
        const applied = await migrateToLatest(store);
        console.log(
          applied.length === 0
            ? `${redactUrl(config.databaseUrl)}: up to date`
            : `${redactUrl(config.databaseUrl)}: applied ${applied.join(', ')}`,
        );
      } finally {
        await store.close();
      }
    } catch (error) {
      fail(error);
    }
  });

await program.parseAsync(process.argv);
