/**
 * The places one organization may hold unless configured: every parser and half the queue
 * (rounded down). Alone, an organization still keeps every parser busy, with uploads waiting
 * when the queue has two places or more; with others, at least half the queue stays theirs,
 * so that one organization's burst of uploads (fifty jobs of one pipeline at once) never
 * refuses another's. Without a queue there is nothing to keep: the share is every place.
 */
export function orgShareOf(concurrency: number, queue: number): number {
  return concurrency + Math.floor(queue / 2);
}
