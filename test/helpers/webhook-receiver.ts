import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  event: {
    id: string;
    type: string;
    timestamp: string;
    org: { key: string };
    data: Record<string, unknown>;
  };
  headers: IncomingHttpHeaders;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The answers to give, in order; after them, 204. */
  answerWith(statuses: number[]): void;
  /** Resolves once `count` requests arrived (any answer); rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * An HTTP server that records every webhook request. `verify` checks each signature with the
 * Standard Webhooks reference library (an implementation independent of orgtoken's), signing
 * the received id, timestamp and body with the secret and comparing with the header.
 */
export async function startWebhookReceiver(
  options: { maxDelayMs?: number } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let answers: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        id: String(request.headers['webhook-id']),
        timestamp: Number(request.headers['webhook-timestamp']),
        signature: String(request.headers['webhook-signature']),
        body,
        event: JSON.parse(body),
        headers: request.headers,
      });
      response.statusCode = answers.shift() ?? 204;
      // A random wait before answering keeps some attempts in flight (the crash test).
      const delay = Math.floor(Math.random() * (options.maxDelayMs ?? 0));
      if (delay === 0) response.end();
      else setTimeout(() => response.end(), delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answerWith(statuses) {
      answers = [...statuses];
    },
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) {
          throw new Error(`expected ${count} webhook requests, got ${received.length}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** True when `hook` carries a valid Standard Webhooks signature of its body with `secret`. */
export function signatureValid(secret: string, hook: ReceivedWebhook): boolean {
  const expected = new Webhook(secret).sign(hook.id, new Date(hook.timestamp * 1000), hook.body);
  return hook.signature.split(' ').includes(expected);
}
