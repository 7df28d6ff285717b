import { Agent, request } from 'node:http';

export interface Answer {
  status: number;
  body: string;
}

export interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The address the connection is made from (any of 127.0.0.0/8 on Linux). */
  from?: string;
  timeoutMs?: number;
}

const agents = new Map<string, Agent>();

/** One keep-alive agent per source address, as one client machine would have. */
function agentFor(from: string): Agent {
  let agent = agents.get(from);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 16 });
    agents.set(from, agent);
  }
  return agent;
}

/** Closes every kept-alive connection (at the end of a test). */
export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** One HTTP request over node:http, from a chosen local address; rejects on a network error. */
export function send(url: string, options: Send = {}): Promise<Answer> {
  const from = options.from ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...options.headers,
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
        },
        localAddress: from,
        agent: agentFor(from),
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface LoadReport {
  /** Requests answered, by status. */
  statuses: Record<number, number>;
  /** Requests that got no HTTP answer (reset, refused, timed out), with the first few reasons. */
  errors: number;
  reasons: string[];
  total: number;
}

/**
 * A steady load: `workers` loops, each sending what `next(i)` returns, one request after the
 * other, until stopped. Counts every answer and every request that got none.
 */
export function startLoad(
  workers: number,
  next: (worker: number) => { url: string } & Send,
): { stop: () => Promise<LoadReport>; report: () => LoadReport } {
  const report: LoadReport = { statuses: {}, errors: 0, reasons: [], total: 0 };
  let running = true;
  const loop = async (worker: number) => {
    while (running) {
      const { url, ...options } = next(worker);
      try {
        const answer = await send(url, options);
        report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
        if (answer.status >= 300 && report.reasons.length < 10) {
          report.reasons.push(
            `${options.method ?? 'GET'} ${url}: ${answer.status} ${answer.body.slice(0, 200)}`,
          );
        }
      } catch (error) {
        report.errors += 1;
        if (report.reasons.length < 10) report.reasons.push(`${url}: ${String(error)}`);
      }
      report.total += 1;
    }
  };
  const loops = Array.from({ length: workers }, (_, i) => loop(i));
  return {
    report: () => ({ ...report, statuses: { ...report.statuses }, reasons: [...report.reasons] }),
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}
