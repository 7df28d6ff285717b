import { type Command, Option } from 'commander';
import { ConfigError, loadConfig, settings } from '../../config.js';

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

// The server and store modules are imported when these commands run, not at start-up: the
// client commands (whoami, tokens, analyze) would otherwise load Fastify and both database
// drivers for every call a CI job makes.

/** `orgtoken serve` and `orgtoken migrate`: running the server and its database. */
export function registerServerCommands(program: Command): void {
  const serve = program.command('serve').description('run the orgtoken server');
  for (const { env, flag } of Object.values(settings)) {
    // --trust-proxy alone means "on"; with a value it takes the same forms as TRUST_PROXY.
    const optional = flag === 'trust-proxy';
    serve.addOption(
      new Option(optional ? `--${flag} [value]` : `--${flag} <value>`, `overrides ${env}`),
    );
  }
  serve.action(async (options: Record<string, string | boolean | undefined>) => {
    try {
      applyFlags(options);
      const config = loadConfig();
      const { startServer } = await import('../../server.js');
      const server = await startServer(config);
      // SIGTERM drains first (SPEC §13); a second SIGTERM or a SIGINT skips what is left of
      // the drain delay. The first signal starts the stop; later ones only hurry it.
      let stopping: Promise<void> | null = null;
      const stop = (signal: NodeJS.Signals, urgent: boolean) => {
        server.app.log.info({ signal }, 'shutting down');
        const first = stopping === null;
        stopping = server.shutdown(urgent);
        if (!first) return;
        stopping.then(
          () => process.exit(0),
          (error: unknown) => fail(error),
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM', stopping !== null));
      process.on('SIGINT', () => stop('SIGINT', true));
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
        const { openStore, redactUrl } = await import('../../store/db.js');
        const { migrateToLatest } = await import('../../store/migrate.js');
        const store = openStore(config.databaseUrl, {
          preparedStatements: config.pgPreparedStatements,
        });
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
}
