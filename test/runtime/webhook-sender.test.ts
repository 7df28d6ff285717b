import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { maxWebhookResponseBytes, sendWebhook } from '../../src/runtime/webhook-sender.js';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, received: Received) => void;

const servers: http.Server[] = [];

/** A real HTTP server on 127.0.0.1 that records every request it gets, body included. */
async function receiver(handler: Handler) {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      handler(req, res, received);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, requests, url: `http://127.0.0.1:${port}` };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const insecure = { allowInsecure: true };
const signed = {
  'webhook-id': 'evt_0123456789',
  'webhook-timestamp': '1700000000',
  'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
};

describe('sendWebhook', () => {
  it('reports a 2xx answer as delivered, with its status and the duration', async () => {
    const { url } = await receiver((_req, res) => res.writeHead(204).end());
    const attempt = await sendWebhook({ url, headers: signed, body: '{}' }, insecure);
    expect(attempt).toEqual({ ok: true, status: 204, durationMs: expect.any(Number), error: null });
    expect(Number.isInteger(attempt.durationMs) && attempt.durationMs >= 0).toBe(true);
  });

  it('POSTs the body and the given headers unchanged, as JSON from orgtoken-webhooks', async () => {
    const { url, requests } = await receiver((_req, res) => res.end('thanks'));
    const body = JSON.stringify({ id: 'evt_1', type: 'token.expiring', note: 'zoë ✓ 🚀' });
    await sendWebhook({ url: `${url}/in/hook?org=acme`, headers: signed, body }, insecure);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/in/hook?org=acme');
    expect(request?.body).toBe(body);
    expect(request?.headers).toMatchObject({
      ...signed,
      'content-type': 'application/json',
      'user-agent': 'orgtoken-webhooks',
      'content-length': String(Buffer.byteLength(body)),
    });
  });

  it('reports a 500 answer as failed, with its status', async () => {
    const { url } = await receiver((_req, res) => res.writeHead(500).end('boom'));
    const attempt = await sendWebhook({ url, headers: signed, body: '{}' }, insecure);
    expect(attempt).toMatchObject({ ok: false, status: 500, error: 'HTTP status 500' });
  });

  it('never follows a redirect: a 3xx fails and its target is never asked', async () => {
    const target = await receiver((_req, res) => res.end());
    for (const status of [301, 302, 307, 308]) {
      const { url } = await receiver((_req, res) =>
        res.writeHead(status, { location: `${target.url}/elsewhere` }).end(),
      );
      const attempt = await sendWebhook({ url, headers: signed, body: '{}' }, insecure);
      expect(attempt).toMatchObject({ ok: false, status, error: 'redirect not followed' });
    }
    expect(target.requests).toHaveLength(0);
  });

  it('gives up on a receiver that never answers at timeoutMs, naming the timeout', async () => {
    const { url, requests } = await receiver(() => {
      // Takes the request and never answers.
    });
    const started = Date.now();
    const attempt = await sendWebhook(
      { url, headers: signed, body: '{}' },
      {
        ...insecure,
        timeoutMs: 300,
      },
    );
    expect(attempt).toMatchObject({ ok: false, status: null, error: 'timed out after 300 ms' });
    expect(requests).toHaveLength(1);
    // Generous for a busy machine; the default timeout is 15 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reads at most 64 KiB of an endless answer and stops, long before the timeout', async () => {
    let written = 0;
    let clientGone = false;
    const { url } = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 97);
      const pump = () => {
        while (!clientGone) {
          written += chunk.length;
          if (!res.write(chunk)) return;
        }
      };
      res.on('drain', pump);
      res.on('close', () => {
        clientGone = true;
      });
      pump();
    });
    const attempt = await sendWebhook(
      { url, headers: signed, body: '{}' },
      {
        ...insecure,
        timeoutMs: 20_000,
      },
    );
    expect(attempt).toMatchObject({ ok: true, status: 200, error: null });
    // Waiting for the end of an endless body would have run into the 20 s timeout.
    expect(attempt.durationMs).toBeLessThan(10_000);
    await expect.poll(() => clientGone, { timeout: 5000 }).toBe(true);
    expect(written).toBeGreaterThan(maxWebhookResponseBytes);
  });

  it('counts a 2xx whose body is slow as delivered: the answer came within the timeout', async () => {
    const { url } = await receiver((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const attempt = await sendWebhook(
      { url, headers: signed, body: '{}' },
      {
        ...insecure,
        timeoutMs: 300,
      },
    );
    expect(attempt).toMatchObject({ ok: true, status: 200, error: null });
  });

  it('reports a refused connection as failed without throwing', async () => {
    const { url, server } = await receiver(() => {});
    await new Promise((resolve) => server.close(resolve));
    const attempt = await sendWebhook({ url, headers: signed, body: '{}' }, insecure);
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt.error).toMatch(/ECONNREFUSED/);
  });

  it('reports a header value Node refuses as failed without throwing', async () => {
    const { url, requests } = await receiver((_req, res) => res.end());
    const headers = { ...signed, 'webhook-id': 'evt_1\r\nx-injected: 1' };
    const attempt = await sendWebhook({ url, headers, body: '{}' }, insecure);
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt.error).toMatch(/header/i);
    expect(requests).toHaveLength(0);
  });

  it('ends the attempt as failed when its signal aborts, before or during it', async () => {
    const { url } = await receiver(() => {});
    const early = new AbortController();
    early.abort();
    expect(
      await sendWebhook(
        { url, headers: signed, body: '{}' },
        { ...insecure, signal: early.signal },
      ),
    ).toMatchObject({ ok: false, status: null, error: 'aborted' });

    const late = new AbortController();
    const pending = sendWebhook(
      { url, headers: signed, body: '{}' },
      {
        ...insecure,
        signal: late.signal,
      },
    );
    setTimeout(() => late.abort(), 100);
    expect(await pending).toMatchObject({ ok: false, status: null, error: 'aborted' });
  });
});
