import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchSecret } from './seed.js';

const child = fileURLToPath(new URL('./server-memory-child.js', import.meta.url));

/**
 * The memory of a server process (bench/lib/server-memory-child.js, on the built dist/)
 * after it has verified each of the `count` bench tokens of the SQLite `file` once. The
 * secrets are streamed to it in batches of 10,000, regenerated here one at a time: neither
 * process ever holds them all. The child runs with --expose-gc, to report its memory after a
 * full collection too; `execArgv` adds flags (a heap limit, say, when investigating).
 */
export async function serverMemoryAfter(
  file: string,
  count: number,
  execArgv: string[] = [],
): Promise<Record<string, unknown>> {
  const server = fork(child, [file], {
    execArgv: ['--expose-gc', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  const batch = 10_000;
  let next = 0;
  const started = Date.now();
  const sendBatch = () => {
    if (next >= count) {
      server.send({ done: true });
      return;
    }
    const secrets: string[] = [];
    for (let i = next; i < Math.min(count, next + batch); i += 1) secrets.push(benchSecret(i));
    next += secrets.length;
    server.send({ secrets });
  };
  const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
    server.on('message', (message: { result?: Record<string, unknown> }) => {
      // {ready} and {next} both ask for the next batch.
      if (message.result) resolve(message.result);
      else sendBatch();
    });
    server.once('error', reject);
    exited.then((code) => reject(new Error(`the server process exited with ${code}`)));
  });
  await exited;
  return { ...result, seconds: Math.round((Date.now() - started) / 1000) };
}
