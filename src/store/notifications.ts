import pg from 'pg';

/** What a subscription reports besides messages: (re)connection, when messages may have been missed. */
export interface ChannelEvents {
  message(payload: string): void;
  /** Connected (again): anything sent while disconnected was missed. */
  connected(): void;
  error(error: unknown): void;
}

/** A live subscription; close() ends it for good. */
export interface Subscription {
  close(): Promise<void>;
}

const retryMs = { first: 200, max: 5000 };

/**
 * LISTENs on a PostgreSQL channel with a connection of its own (a pooled one could not hold
 * a LISTEN), reconnecting with backoff when the connection drops. Every (re)connection is
 * reported, so the caller can drop state that a missed message could have changed.
 */
export function listenPostgres(url: string, channel: string, events: ChannelEvents): Subscription {
  let client: pg.Client | null = null;
  let closed = false;
  let delay = retryMs.first;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    // The current client from its creation on: a late 'end' of an older one is ignored.
    client = next;
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) {
        events.message(message.payload);
      }
    });
    next.on('error', (error) => {
      events.error(error);
      retry(next);
    });
    next.on('end', () => retry(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) {
        await next.end();
        return;
      }
      delay = retryMs.first;
      events.connected();
    } catch (error) {
      events.error(error);
      retry(next);
    }
  };

  const retry = (failed: pg.Client) => {
    if (closed || failed !== client || timer !== undefined) return;
    client = null;
    failed.end().catch(() => {});
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, retryMs.max);
  };

  void connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
