import { createInterface } from 'node:readline/promises';
import { CliError } from './errors.js';

/** Asks a question on the terminal, showing what is typed. */
export async function ask(question: string): Promise<string> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

/**
 * Asks for a secret on the terminal without echoing it. Raw mode hands over each key as it
 * is pressed, so nothing reaches the screen or the terminal's scrollback.
 */
export function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const key of chunk) {
        if (key === '\r' || key === '\n' || key === '\u0004') {
          finish();
          resolve(typed.join(''));
          return;
        }
        if (key === '\u0003') {
          finish();
          reject(new CliError('cancelled'));
          return;
        }
        if (key === '\u007f' || key === '\b') typed = typed.slice(0, -1);
        else typed.push(key);
      }
    };
    input.on('data', onData);
  });
}
