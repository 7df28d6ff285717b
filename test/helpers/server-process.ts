import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The package's binary; global-setup.ts compiles the dist/ it runs before any test. */
const binary = 'bin/orgtoken.js';

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  output: () => string;
  /**
   * Sends `signal` and waits for the exit; resolves to the exit code. A process that has not
   * exited within `deadlineMs` is killed, and the stop fails with what it printed.
   */
  stop: (signal?: NodeJS.Signals, deadlineMs?: number) => Promise<number | null>;
}

/** Everything `child` prints on stdout and stderr, in arrival order, as read so far. */
export function collectedOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

/**
 * Runs `orgtoken serve` from the built binary as a real process and waits until it is ready,
 * on `options.port` (a restarted instance keeps its address) or a free port.
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, [binary, 'serve', '--port', String(port)], {
    cwd: root,
    // No drain delay unless a test asks for one: a test's SIGTERM then stops at once.
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ORGTOKEN_SHUTDOWN_DELAY_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectedOutput(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in 30 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  return {
    url,
    port,
    pid: child.pid ?? 0,
    output,
    stop: async (signal = 'SIGTERM', deadlineMs = 45_000) => {
      if (child.exitCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(
              `server ${port} did not exit within ${deadlineMs} ms of ${signal}:\n${output()}`,
            ),
          );
        }, deadlineMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// What a CI job or a shell would have set; a test names the variables each run sees.
const cliVariables = [
  'ORGTOKEN_URL',
  'SONAR_HOST_URL',
  'ORGTOKEN_TOKEN',
  'SONAR_TOKEN',
  'ORGTOKEN_EMAIL',
  'ORGTOKEN_PASSWORD',
  // A test run inside a CI job must not exchange that job's identity by accident.
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ORGTOKEN_ID_TOKEN',
  'ORGTOKEN_OIDC_AUDIENCE',
  'ORGTOKEN_OIDC_POLICY',
];

/** Runs `orgtoken <args>` as a real process with exactly the given CLI variables set. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !cliVariables.includes(name)),
  );
  return runProcess([process.execPath, binary, ...args], {
    cwd: root,
    env: { ...inherited, ...env },
  });
}

/** Runs `command` in `cwd` with exactly `env`; resolves with its exit code and output. */
export async function runProcess(
  command: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<CliResult> {
  const [file = '', ...args] = command;
  const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** A minimal HTTP client holding one session, as a browser or script would. */
/** The environment of `orgtoken serve` on `databaseUrl`, with `admin` as its first instance admin. */
export function serverEnv(
  databaseUrl: string,
  admin: { email: string; password: string },
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ORGTOKEN_ADMIN_EMAIL: admin.email,
    ORGTOKEN_ADMIN_PASSWORD: admin.password,
  };
}

/** A session of `who`, signed in on the server at `url`. */
export async function signedIn(
  url: string,
  who: { email: string; password: string },
): Promise<SessionClient> {
  const client = new SessionClient(url);
  await client.signIn(who.email, who.password);
  return client;
}

/** How long one SessionClient call may wait for its answer. */
const callDeadlineMs = 20_000;

export class SessionClient {
  private cookie = '';
  private csrf = '';

  constructor(public baseUrl: string) {}

  /** The same session against another server instance. */
  on(baseUrl: string): SessionClient {
    const other = new SessionClient(baseUrl);
    other.cookie = this.cookie;
    other.csrf = this.csrf;
    return other;
  }

  async signIn(email: string, password: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (response.status !== 200)
      throw new Error(`sign-in: ${response.status} ${await response.text()}`);
    const setCookie = response.headers.get('set-cookie') ?? '';
    this.cookie = setCookie.split(';')[0] ?? '';
    this.csrf = ((await response.json()) as { csrfToken: string }).csrfToken;
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> & { items?: unknown[] } }> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        // A server that never answers fails the step that waited, by name, not the whole test.
        signal: AbortSignal.timeout(callDeadlineMs),
        headers: {
          cookie: this.cookie,
          'x-csrf-token': this.csrf,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      text = await response.text();
    } catch (error) {
      throw new Error(`${method} ${this.baseUrl}${path}: no answer`, { cause: error });
    }
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  }
}

/**
 * Starts several server processes at once; if any fails to start, stops the others before
 * throwing, so that no process outlives the test.
 */
export async function startServerProcesses(
  count: number,
  env: Record<string, string>,
): Promise<ServerProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startServerProcess(env)),
  );
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : null)));
    throw (failure as PromiseRejectedResult).reason;
  }
  return started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value);
}
