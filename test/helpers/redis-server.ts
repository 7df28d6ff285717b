import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { collectedOutput, freePort } from './server-process.js';

/** Debian's Redis server (`.ci/run` installs it). The machine's own Redis is never touched. */
export const redisServerPath = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

const ci = process.env.CI === 'true' || process.env.CI === '1';

/** Whether a Redis server can be started for a test. */
export function redisInstalled(): boolean {
  return existsSync(redisServerPath);
}

/**
 * A suite that needs a Redis server of its own: skipped loudly on a laptop without one, and a
 * failure under CI=true, where a skip would hide that cluster-wide limits were never tested.
 */
export function describeWithRedis(name: string, suite: () => void): void {
  if (redisInstalled()) {
    describe(name, suite);
    return;
  }
  if (ci) {
    throw new Error(
      `CI=true but ${redisServerPath} is missing: Redis suites cannot be skipped in CI`,
    );
  }
  console.warn(
    `\n!!! ${redisServerPath} is missing: the Redis suite "${name}" is SKIPPED. apt-get install redis-server !!!\n`,
  );
  describe.skip(name, suite);
}

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (it saves nothing), once it answers PING. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers. */
  pause(): void;
  /** Lets a paused server run again. */
  resume(): void;
}

/** Whether something on `port` answers Redis's PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A Redis server of the test's own on a free port of 127.0.0.1: no persistence, so a restart
 * starts empty. It is killed when the test process exits, whatever happened.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (child) throw new Error('the Redis server is already running');
    // Its working directory, though it writes nothing there.
    const dir = mkdtempSync(join(tmpdir(), 'orgtoken-redis-'));
    const started = spawn(
      redisServerPath,
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    const output = collectedOutput(started);
    started.once('exit', () => {
      if (child === started) child = null;
      rmSync(dir, { recursive: true, force: true });
    });
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(port))) {
      if (started.exitCode !== null) throw new Error(`redis-server exited:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`redis-server does not answer:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    // A paused server would not see SIGTERM until it runs again.
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
  };
}
