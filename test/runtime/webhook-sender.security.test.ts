import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkWebhookTarget,
  type HostResolver,
  sendWebhook,
} from '../../src/runtime/webhook-sender.js';

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * A TCP listener on 127.0.0.1 that only counts connections: an https attempt that got
 * through would show here even though its TLS handshake then fails.
 */
async function loopbackListener() {
  const listener = { connections: 0, port: 0 };
  const server = net.createServer((socket) => {
    listener.connections += 1;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  listener.port = (server.address() as AddressInfo).port;
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return listener;
}

/** A resolver answering from a table, as a DNS server an attacker controls would. */
function resolverOf(table: Record<string, string[][]>): HostResolver & { calls: number } {
  const answers = new Map(Object.entries(table).map(([name, rounds]) => [name, [...rounds]]));
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    resolve.calls += 1;
    const rounds = answers.get(hostname);
    const round = rounds && rounds.length > 1 ? rounds.shift() : rounds?.[0];
    if (round === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return round.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
  resolve.calls = 0;
  return resolve;
}

const request = (url: string) => ({ url, headers: { 'webhook-id': 'evt_1' }, body: '{}' });
const secure = { allowInsecure: false };

describe('webhook targets when insecure is off (server-side request forgery)', () => {
  it.each([
    ['https://127.0.0.1/hook', 'refused: 127.0.0.1 (loopback)'],
    ['https://[::1]/hook', 'refused: ::1 (loopback)'],
    ['https://10.1.2.3/hook', 'refused: 10.1.2.3 (private)'],
    ['https://169.254.169.254/latest/meta-data/', 'refused: 169.254.169.254 (metadata)'],
    ['https://[::ffff:127.0.0.1]/hook', 'refused: ::ffff:7f00:1 (loopback)'],
    ['http://hooks.example.com/hook', 'url must use https'],
  ])('refuses %s when the webhook is saved', async (url, message) => {
    const resolve = resolverOf({});
    expect(await checkWebhookTarget(url, false, resolve)).toEqual({ ok: false, message });
    expect(resolve.calls).toBe(0);
  });

  it('refuses localhost, which the system resolver answers with a loopback address', async () => {
    const check = await checkWebhookTarget('https://localhost/hook', false);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.message).toMatch(
      /^refused: localhost resolves to a refused address \(loopback\)$/,
    );
  });

  it('refuses a name when any of its addresses is refused, naming it and why', async () => {
    const resolve = resolverOf({
      'inside.example.test': [['10.0.0.7']],
      'mixed.example.test': [['93.184.215.14', '127.0.0.1']],
      'meta.example.test': [['fd00:ec2::254']],
    });
    expect(await checkWebhookTarget('https://inside.example.test/', false, resolve)).toEqual({
      ok: false,
      message: 'refused: inside.example.test resolves to a refused address (private)',
    });
    expect(await checkWebhookTarget('https://mixed.example.test/', false, resolve)).toEqual({
      ok: false,
      message: 'refused: mixed.example.test resolves to a refused address (loopback)',
    });
    expect(await checkWebhookTarget('https://meta.example.test/', false, resolve)).toEqual({
      ok: false,
      message: 'refused: meta.example.test resolves to a refused address (metadata)',
    });
  });

  it('accepts a name resolving only to public addresses, and refuses one that does not resolve', async () => {
    const resolve = resolverOf({ 'hooks.example.test': [['93.184.215.14', '2606:2800:21f::1']] });
    expect(await checkWebhookTarget('https://hooks.example.test/in', false, resolve)).toEqual({
      ok: true,
    });
    expect(await checkWebhookTarget('https://gone.example.test/in', false, resolve)).toEqual({
      ok: false,
      message: 'url host gone.example.test does not resolve (ENOTFOUND)',
    });
  });

  it('allows http and any address when insecure is on, without resolving', async () => {
    const resolve = resolverOf({});
    for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'https://10.1.2.3/']) {
      expect(await checkWebhookTarget(url, true, resolve), url).toEqual({ ok: true });
    }
    expect(resolve.calls).toBe(0);
  });
});

describe('webhook attempts when insecure is off (checked at connection time)', () => {
  it('never connects to an address written in the URL that is refused', async () => {
    const listener = await loopbackListener();
    const attempt = await sendWebhook(request(`https://127.0.0.1:${listener.port}/`), secure);
    expect(attempt).toMatchObject({
      ok: false,
      status: null,
      error: 'refused: 127.0.0.1 (loopback)',
    });
    expect(listener.connections).toBe(0);
  });

  it('never connects to localhost: the system resolver answers loopback', async () => {
    const listener = await loopbackListener();
    const attempt = await sendWebhook(request(`https://localhost:${listener.port}/`), secure);
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt.error).toMatch(
      /^refused: localhost resolves to a refused address \(loopback\)$/,
    );
    expect(listener.connections).toBe(0);
  });

  it('refuses a name that resolved to a public address when saved and to loopback now (DNS rebinding)', async () => {
    const listener = await loopbackListener();
    const resolve = resolverOf({ 'rebind.example.test': [['93.184.215.14'], ['127.0.0.1']] });
    const url = `https://rebind.example.test:${listener.port}/hook`;
    expect(await checkWebhookTarget(url, false, resolve)).toEqual({ ok: true });
    const attempt = await sendWebhook(request(url), { ...secure, resolve });
    expect(attempt).toMatchObject({
      ok: false,
      status: null,
      error: 'refused: rebind.example.test resolves to a refused address (loopback)',
    });
    expect(resolve.calls).toBe(2);
    expect(listener.connections).toBe(0);
  });

  it('refuses a name when one of the addresses it resolves to is refused', async () => {
    const listener = await loopbackListener();
    const resolve = resolverOf({ 'mixed.example.test': [['127.0.0.1', '93.184.215.14']] });
    const attempt = await sendWebhook(request(`https://mixed.example.test:${listener.port}/`), {
      ...secure,
      resolve,
    });
    expect(attempt.error).toBe(
      'refused: mixed.example.test resolves to a refused address (loopback)',
    );
    expect(listener.connections).toBe(0);
  });

  it('refuses http and never connects', async () => {
    const listener = await loopbackListener();
    const attempt = await sendWebhook(request(`http://127.0.0.1:${listener.port}/`), secure);
    expect(attempt).toMatchObject({ ok: false, status: null, error: 'url must use https' });
    expect(listener.connections).toBe(0);
  });

  it('delivers over http to localhost when insecure is on', async () => {
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits += 1;
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    for (const host of ['127.0.0.1', 'localhost']) {
      const attempt = await sendWebhook(request(`http://${host}:${port}/`), {
        allowInsecure: true,
      });
      expect(attempt, host).toMatchObject({ ok: true, status: 200, error: null });
    }
    expect(hits).toBe(2);
  });
});
