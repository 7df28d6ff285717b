import type { Command } from 'commander';

/** The options every command that calls the server takes. */
export interface CommonOptions {
  url?: string;
  json?: boolean;
}

/** Adds `--url` and `--json`. There is no token flag on purpose: see environment.ts. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server URL (default: ORGTOKEN_URL, else SONAR_HOST_URL)')
    .option('--json', 'print JSON for scripts instead of text for people');
}
