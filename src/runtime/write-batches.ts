interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers writes that arrive while one is running and writes them together when it ends:
 * group commit, as databases do it for their logs. The first write starts after one turn of
 * the event loop, so a quiet server adds no wait; under load each write waits at most for the
 * one before it, and a batch costs about what one of its writes did alone (one transaction,
 * one statement per table). One batch runs at a time.
 *
 * A batch lands whole or not at all. When it fails, each of its writes is tried again alone,
 * so that one write's failure (a project deleted under its upload) is that write's answer,
 * and never its neighbours'.
 */
export class WriteBatches<T> {
  readonly #write: (items: readonly T[]) => Promise<void>;
  readonly #weight: (item: T) => number;
  readonly #maxWeight: number;
  #waiting: Waiting<T>[] = [];
  #running = false;

  /**
   * `write` writes its items, all or none; a batch takes items in their order of arrival
   * while their `weight` (rows, say) adds up to at most `maxWeight`, and always at least one.
   */
  constructor(
    write: (items: readonly T[]) => Promise<void>,
    limits: { weight: (item: T) => number; maxWeight: number },
  ) {
    this.#write = write;
    this.#weight = limits.weight;
    this.#maxWeight = limits.maxWeight;
  }

  /** Writes `item`, with others that arrive while a batch is running; settles as its batch does. */
  write(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiting.length > 0) {
        // One turn of the event loop first, for the writes whose requests are ready to come
        // in: a statement on SQLite runs synchronously, so without the turn no write would
        // ever arrive while another runs, and every batch would be of one.
        await new Promise((resolve) => setImmediate(resolve));
        await this.#writeBatch(this.#nextBatch());
      }
    } finally {
      this.#running = false;
    }
  }

  #nextBatch(): Waiting<T>[] {
    let weight = 0;
    let count = 0;
    for (const { item } of this.#waiting) {
      weight += this.#weight(item);
      if (count > 0 && weight > this.#maxWeight) break;
      count += 1;
    }
    return this.#waiting.splice(0, count);
  }

  async #writeBatch(batch: Waiting<T>[]): Promise<void> {
    try {
      await this.#write(batch.map((entry) => entry.item));
      for (const entry of batch) entry.resolve();
      return;
    } catch (error) {
      const [only] = batch;
      if (batch.length === 1 && only) {
        only.reject(error);
        return;
      }
    }
    for (const entry of batch) {
      try {
        await this.#write([entry.item]);
        entry.resolve();
      } catch (error) {
        entry.reject(error);
      }
    }
  }
}
