/**
 * A failure the CLI explains in one line and exits 2 for: a usage mistake, missing
 * credentials, an unreachable server or the server's refusal (docs/cli.md). Exit code 1 is
 * kept for one meaning only, a failed quality gate, so that CI can tell the two apart.
 */
export class CliError extends Error {
  override name = 'CliError';
}

export const usageExitCode = 2;

/**
 * Wraps a command's action: it resolves to the exit code; anything it throws is printed on
 * stderr and exits 2. Exit codes are set, never `process.exit()`ed, so that output written
 * just before still reaches a pipe.
 */
export function run<A extends unknown[]>(
  action: (...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      process.exitCode = await action(...args);
    } catch (error) {
      process.exitCode = usageExitCode;
      if (error instanceof CliError) console.error(`orgtoken: ${error.message}`);
      // A bug, not a refusal: the stack is what its report will need.
      else console.error(`orgtoken: unexpected error: ${(error as Error)?.stack ?? error}`);
    }
  };
}
