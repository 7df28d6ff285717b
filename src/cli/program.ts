import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerTokenCommands } from './commands/tokens.js';
import { registerWhoami } from './commands/whoami.js';
import { usageExitCode } from './errors.js';

/** The `orgtoken` command with no subcommand yet. */
export function createProgram(): Command {
  return (
    new Command()
      .name('orgtoken')
      .description('Scoped organization tokens for a code-quality platform')
      .version(version)
      // Commander would exit 1 on a usage mistake, the code `analyze` gives a failed quality
      // gate; it throws instead, and usage errors exit 2. Set before the subcommands, which
      // inherit it.
      .exitOverride()
      .showHelpAfterError('(add --help for usage)')
  );
}

/** The commands that talk to a server over HTTP: whoami, tokens, analyze. */
export function registerClientCommands(program: Command): void {
  registerWhoami(program);
  registerTokenCommands(program);
  registerAnalyze(program);
}

/** Parses the command line and runs the command; sets the process's exit code. */
export async function runProgram(program: Command): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version "fail" with exit code 0; everything else is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : usageExitCode;
  }
}
