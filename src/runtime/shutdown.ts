/**
 * Whether this instance takes new work. It stops being ready at the first SIGTERM, before it
 * stops listening, so that a proxy's health check (`/readyz`) takes it out of rotation while
 * it still answers everything sent to it (SPEC §13).
 */
export class Readiness {
  private drainingSince: number | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  drain(nowMs: number): void {
    this.drainingSince ??= nowMs;
  }
}

/** Time allowed after the grace for the flush and the store to close. */
export const flushAllowanceMs = 10_000;

export interface ShutdownOptions {
  readiness: Readiness;
  /** How long /readyz fails while requests are still served, before the server stops listening. */
  delayMs: number;
  /** How long in-flight requests may take once the server stops listening. */
  graceMs: number;
  /** Stops listening, waits for in-flight requests, flushes usage and the outbox, closes the store. */
  close: () => Promise<void>;
  /** Ends every connection still open (the grace is over): `close` can then finish. */
  closeConnections: () => void;
  log: (message: string, details?: Record<string, unknown>) => void;
  nowMs?: () => number;
}

/**
 * The steps of a graceful stop (docs/operations.md "Stopping an instance"): not ready at once,
 * still serving for the drain delay, then no new connections, in-flight requests finished or
 * cut at the end of the grace, pending work flushed. `begin` is idempotent; a later call with
 * `urgent` (a second SIGTERM, or SIGINT) cuts the drain delay short.
 */
export class GracefulShutdown {
  private done: Promise<void> | null = null;
  private endDelay: (() => void) | null = null;
  private urgent = false;

  constructor(private readonly options: ShutdownOptions) {}

  begin(urgent: boolean): Promise<void> {
    if (urgent) {
      this.urgent = true;
      this.endDelay?.();
    }
    this.done ??= this.run();
    return this.done;
  }

  private async run(): Promise<void> {
    const { options } = this;
    const now = options.nowMs ?? Date.now;
    options.readiness.drain(now());
    if (!this.urgent && options.delayMs > 0) {
      options.log('not ready: draining before closing', { delayMs: options.delayMs });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.delayMs);
        this.endDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.endDelay = null;
    options.log('closing: no new connections, finishing requests in flight', {
      graceMs: options.graceMs,
    });
    let stuck: NodeJS.Timeout | undefined;
    const cut = setTimeout(() => {
      options.log('grace over: closing the connections still open');
      options.closeConnections();
    }, options.graceMs);
    // What is left after the grace (writing usage and the outbox's last attempts, closing the
    // store) is short; a step that never ends must not keep the process from exiting.
    const deadline = new Promise<never>((_, reject) => {
      stuck = setTimeout(
        () => reject(new Error('shutdown did not finish within its grace and the flush time')),
        options.graceMs + flushAllowanceMs,
      );
    });
    try {
      await Promise.race([options.close(), deadline]);
    } finally {
      clearTimeout(cut);
      clearTimeout(stuck);
    }
  }
}
