/** One periodic job: a name for the logs and what it does. */
export interface Job {
  name: string;
  run(): Promise<unknown>;
}

/**
 * Runs the periodic jobs (expiry and stale scans, outbox delivery, purges) every interval,
 * on every instance: each job is safe when several instances run it at once
 * (docs/architecture.md "Periodic jobs"). Each job runs on its own: a run of one never
 * overlaps its own previous run, and a slow one (outbox delivery to receivers that take
 * their 15 s) never holds up the others. A job that fails is logged and tried again at the
 * next interval.
 */
export class JobsRunner {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<Job, Promise<void>>();

  constructor(
    private readonly jobs: Job[],
    private readonly onError: (job: string, error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const job of this.jobs) void this.runJob(job);
    }, intervalMs);
    this.timer.unref();
  }

  /** Runs every job once, in order (a run already in progress is joined, not repeated). */
  async runOnce(): Promise<void> {
    for (const job of this.jobs) await this.runJob(job);
  }

  /** Stops the timer and waits for the runs in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.running.values());
  }

  private runJob(job: Job): Promise<void> {
    let run = this.running.get(job);
    if (!run) {
      run = job
        .run()
        .then(
          () => undefined,
          (error: unknown) => this.onError(job.name, error),
        )
        .finally(() => this.running.delete(job));
      this.running.set(job, run);
    }
    return run;
  }
}
