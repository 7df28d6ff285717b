import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectedOutput, freePort } from './server-process.js';

/** Whether Debian's HAProxy is installed (`.ci/run` installs it). */
export function haproxyInstalled(): boolean {
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** The address HAProxy connects to the instances from: the only one TRUST_PROXY names. */
export const proxySourceAddress = '127.0.0.2';

/**
 * The configuration docs/operations.md "Deployment guide" shows, with this test's ports:
 * round robin over the instances, `/readyz` checked every 200 ms (one failure takes an instance
 * out, two successes bring it back; a check may take 2 s, so a slow answer on a busy machine
 * is not a failure), the client's address appended to X-Forwarded-For, and a
 * request whose connection could not be made sent to another instance.
 */
export function haproxyConfig(options: {
  port: number;
  statsPort: number;
  backends: { name: string; port: number }[];
}): string {
  const servers = options.backends
    .map(({ name, port }) => `  server ${name} 127.0.0.1:${port} check`)
    .join('\n');
  return `global
  maxconn 2000

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
  timeout check 2s
  option redispatch
  retries 3

frontend orgtoken
  bind 127.0.0.1:${options.port}
  option forwardfor
  default_backend instances

backend instances
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 200ms fall 1 rise 2 source ${proxySourceAddress}
${servers}

frontend stats
  bind 127.0.0.1:${options.statsPort}
  stats enable
  stats uri /stats
`;
}

export interface Haproxy {
  url: string;
  /** Each backend server's state as HAProxy sees it: `UP`, `DOWN`, `MAINT`... */
  states: () => Promise<Record<string, string>>;
  /** Waits until HAProxy routes to every one of `names`. */
  waitUntilUp: (names: string[], timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

/** A started HAProxy process, its ports, its output so far and its exit. */
interface Started {
  child: ChildProcess;
  port: number;
  statsPort: number;
  dir: string;
  output: () => string;
  exited: Promise<unknown>;
}

/**
 * Starts HAProxy on two ports free a moment ago. Another process (any outgoing connection
 * takes a port of the same range) may take one in between, and HAProxy then exits at once,
 * unable to bind: that start is retried on fresh ports, a few times.
 */
async function startOnFreePorts(backends: { name: string; port: number }[]): Promise<Started> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const statsPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'orgtoken-haproxy-'));
    const configFile = join(dir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig({ port, statsPort, backends }));
    const check = spawnSync('haproxy', ['-c', '-q', '-f', configFile], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy refused its configuration:\n${check.stderr}`);
    const child: ChildProcess = spawn('haproxy', ['-db', '-f', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectedOutput(child);
    const exited = once(child, 'exit');
    const closed = once(child, 'close');
    // Listening once its stats page answers; a bind failure ends the process first.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) break;
      // Bounded: whatever else holds the port may accept and never answer.
      const answered = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, {
        signal: AbortSignal.timeout(1000),
      })
        .then((response) => response.ok)
        .catch(() => false);
      if (answered) return { child, port, statsPort, dir, output, exited };
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`haproxy did not answer in 10 s:\n${output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // All it printed, before reading why it stopped.
    await closed;
    rmSync(dir, { recursive: true, force: true });
    if (!output().includes('cannot bind socket') || attempt === 5) {
      throw new Error(`haproxy exited:\n${output()}`);
    }
  }
}

/** Runs a real HAProxy in the foreground in front of `backends`. */
export async function startHaproxy(backends: { name: string; port: number }[]): Promise<Haproxy> {
  const { child, port, statsPort, dir, output, exited } = await startOnFreePorts(backends);

  const states = async (): Promise<Record<string, string>> => {
    const response = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
    const [header = '', ...rows] = (await response.text()).trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const name = columns.indexOf('svname');
    const status = columns.indexOf('status');
    const proxy = columns.indexOf('pxname');
    const result: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[proxy] !== 'instances') continue;
      const server = cells[name] ?? '';
      if (server === 'BACKEND') continue;
      result[server] = cells[status] ?? '';
    }
    return result;
  };

  const waitUntilUp = async (names: string[], timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await states().catch(() => ({}) as Record<string, string>);
      if (names.every((n) => seen[n] === 'UP')) return;
      if (child.exitCode !== null) throw new Error(`haproxy exited:\n${output()}`);
      if (Date.now() > deadline) {
        throw new Error(`haproxy does not see ${names.join(', ')} up: ${JSON.stringify(seen)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    url: `http://127.0.0.1:${port}`,
    states,
    waitUntilUp,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
