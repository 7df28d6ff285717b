/**
 * Soak (issue 7): ten minutes of authenticated requests at about 80 % of the measured
 * capacity (SOAK_RATE, requests a second; SOAK_SECONDS), against a server in a child
 * process whose memory is sampled every 30 s. Passes with no error and RSS growing less than
 * 10 % between the first sample after warm-up and the last. Not part of CI: run by hand, and
 * record the result in bench/README.md.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { memoryOf } from './lib/proc.js';

const rate = Number(process.env.SOAK_RATE ?? 13_000);
const seconds = Number(process.env.SOAK_SECONDS ?? 600);

async function main() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/servers.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once('line', resolve),
  );
  const targets = JSON.parse(first) as { orgtoken: string; secret: string };
  const samples: Array<{ atSeconds: number; rssMiB: number }> = [];
  const started = Date.now();
  const timer = setInterval(() => {
    samples.push({
      atSeconds: Math.round((Date.now() - started) / 1000),
      rssMiB: memoryOf(child.pid ?? 0).rssMiB,
    });
  }, 30_000);
  try {
    const result = await autocannon({
      url: `${targets.orgtoken}/api/v1/me`,
      connections: 50,
      overallRate: rate,
      duration: seconds,
      headers: { authorization: `Bearer ${targets.secret}` },
    });
    clearInterval(timer);
    samples.push({ atSeconds: seconds, rssMiB: memoryOf(child.pid ?? 0).rssMiB });
    const baseline = samples.find((s) => s.atSeconds >= 60) ?? samples[0];
    const last = samples.at(-1);
    const growth = baseline && last ? (last.rssMiB - baseline.rssMiB) / baseline.rssMiB : 0;
    const summary = {
      date: new Date().toISOString(),
      targetRate: rate,
      seconds,
      requests: result.requests.total,
      averageRate: Math.round(result.requests.average),
      errors: result.errors,
      non2xx: result.non2xx,
      timeouts: result.timeouts,
      latencyP99Ms: result.latency.p99,
      rssSamples: samples,
      rssGrowth: Number(growth.toFixed(3)),
      passed: result.errors === 0 && result.non2xx === 0 && growth < 0.1,
    };
    console.log(JSON.stringify(summary, null, 2));
    writeFileSync(
      `bench/results/soak-${summary.date.slice(0, 10)}.json`,
      `${JSON.stringify(summary, null, 2)}\n`,
    );
  } finally {
    clearInterval(timer);
    child.kill('SIGTERM');
  }
}

await main();
