/** One periodic job: a name for the logs and what it does. */
export interface Job {
  name: string;
  run(): Promise<unknown>;
}

/**
 * Runs the periodic jobs (expiry and stale scans, outbox delivery) every interval, on every
 * instance: each job is safe when several instances run it at once (docs/architecture.md
 * "Periodic jobs"). A run never overlaps the previous one of the same instance; a job that
 * fails is logged and tried again at the next run, and does not stop the others.
 */
export class JobsRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly jobs: Job[],
    private readonly onError: (job: string, error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) void this.runOnce();
    }, intervalMs);
    this.timer.unref();
  }

  /** Runs every job once, in order; a run already in progress is joined, not repeated. */
  runOnce(): Promise<void> {
    this.running ??= this.runAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async runAll(): Promise<void> {
    for (const job of this.jobs) {
      try {
        await job.run();
      } catch (error) {
        this.onError(job.name, error);
      }
    }
  }
}
