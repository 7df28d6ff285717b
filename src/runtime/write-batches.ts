interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface WriteBatchOptions<T> {
  /** A batch takes writes in their order of arrival while their weight adds up to this. */
  maxWeight: number;
  /** An item's weight (rows, say). */
  weight: (item: T) => number;
  /**
   * Whether a batch's failure may be one item's fault (a row referring to something deleted
   * meanwhile), so that its items are worth writing one by one; any other failure (the
   * database gone, an outcome that cannot be known) is every item's answer as it is.
   */
  itemFault: (error: unknown) => boolean;
  /**
   * After this long a running batch stops holding up the next one, which starts beside it
   * (default 250 ms): a write stuck on a lock or a hung connection delays only its own items.
   */
  slowAfterMs?: number;
}

/**
 * Gathers writes that arrive while one is running and writes them together when it ends:
 * group commit, as databases do it for their logs. The first write starts after one turn of
 * the event loop, so a quiet server adds no wait; under load each write waits for the batch
 * before it, and a batch costs about what one of its writes did alone (one transaction, one
 * statement per table). One batch runs at a time, unless one is slow: after `slowAfterMs`
 * the next starts beside it.
 *
 * A batch lands whole or not at all. When it fails with a fault that may be one item's, each
 * of its items is tried again alone, so that one write's failure (a project deleted under its
 * upload) is that write's answer and never its neighbours'.
 */
export class WriteBatches<T> {
  readonly #write: (items: readonly T[]) => Promise<void>;
  readonly #options: Required<WriteBatchOptions<T>>;
  #waiting: Waiting<T>[] = [];
  /** A batch is running and not yet slow: the next waits for it. */
  #holding = false;
  #scheduled = false;

  /** `write` writes its items, all or none. */
  constructor(write: (items: readonly T[]) => Promise<void>, options: WriteBatchOptions<T>) {
    this.#write = write;
    this.#options = { slowAfterMs: 250, ...options };
  }

  /** Writes `item`, with others that arrive while a batch is running; settles as its batch does. */
  write(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  // One turn of the event loop before a batch is taken, for the writes whose requests are
  // ready to come in: a statement on SQLite runs synchronously, so without the turn no write
  // would ever arrive while another runs, and every batch would be of one.
  #schedule(): void {
    if (this.#scheduled || this.#holding || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#holding || this.#waiting.length === 0) return;
      this.#start(this.#nextBatch());
    });
  }

  #start(batch: Waiting<T>[]): void {
    this.#holding = true;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(slow);
      this.#holding = false;
      this.#schedule();
    };
    const slow = setTimeout(release, this.#options.slowAfterMs);
    slow.unref();
    void this.#writeBatch(batch).finally(release);
  }

  #nextBatch(): Waiting<T>[] {
    let weight = 0;
    let count = 0;
    try {
      for (const { item } of this.#waiting) {
        weight += this.#options.weight(item);
        if (count > 0 && weight > this.#options.maxWeight) break;
        count += 1;
      }
    } catch {
      // A weight that cannot be told: the item goes alone.
      count = Math.max(count, 1);
    }
    return this.#waiting.splice(0, count);
  }

  async #writeBatch(batch: Waiting<T>[]): Promise<void> {
    try {
      await this.#write(batch.map((entry) => entry.item));
      for (const entry of batch) entry.resolve();
      return;
    } catch (error) {
      if (batch.length === 1 || !this.#options.itemFault(error)) {
        for (const entry of batch) entry.reject(error);
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
