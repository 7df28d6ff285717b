/**
 * One webhook attempt over HTTP(S) (docs/security.md "Webhooks"): the outbox decides when and
 * what to send, this decides how, and where it may not go.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  checkWebhookUrlSyntax,
  hostAddress,
  refusedAddressReason,
} from '../domain/webhook-addresses.js';

/** The outcome of one attempt; `ok` is a 2xx answer. */
export interface WebhookAttempt {
  ok: boolean;
  /** The answer's HTTP status; null when none came. */
  status: number | null;
  durationMs: number;
  /** Why the attempt failed; null when it did not. */
  error: string | null;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Every address a host name resolves to (dns.lookup with `all`, the resolver Node uses). */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export interface WebhookSendOptions {
  /** http and any address allowed (ORGTOKEN_WEBHOOK_ALLOW_INSECURE). */
  allowInsecure: boolean;
  /** The bound of the whole attempt, connection and answer; 15 s by default (SPEC §9). */
  timeoutMs?: number;
  /** Ends the attempt early, as a failure (the process shutting down). */
  signal?: AbortSignal;
  /** Replaces the system resolver (tests). */
  resolve?: HostResolver;
}

export const defaultWebhookTimeoutMs = 15_000;
/** The most of an answer's body read; the rest is never waited for. */
export const maxWebhookResponseBytes = 64 * 1024;
const userAgent = 'orgtoken-webhooks';

const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/**
 * Why a name's addresses may not be reached, by the kind of the first refused one; null if
 * all may. The address itself is not repeated: on a shared server, an organization admin
 * must not learn what the operator's internal names resolve to.
 */
function refusedResolution(hostname: string, addresses: LookupAddress[]): string | null {
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address);
    if (reason !== null) return `refused: ${hostname} resolves to a refused address (${reason})`;
  }
  return null;
}

/**
 * The `lookup` a guarded connection makes: it resolves the name, refuses it when any of its
 * addresses is refused, and hands Node only those addresses to connect to. The check is on
 * the very addresses the socket uses, so a name that resolved to a public address when the
 * webhook was saved and to 127.0.0.1 now (DNS rebinding) is refused.
 */
function guardedLookup(resolve: HostResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const refusal = refusedResolution(hostname, all);
        if (refusal !== null) return callback(new Error(refusal), '', 0);
        const family =
          options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses =
          family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        const [first] = addresses;
        if (first === undefined) return callback(new Error(`${hostname} has no address`), '', 0);
        if (options.all) return callback(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function errorText(error: unknown): string {
  return error instanceof Error && error.message !== '' ? error.message : String(error);
}

function statusError(status: number): string | null {
  if (status >= 200 && status <= 299) return null;
  if (status >= 300 && status <= 399) return 'redirect not followed';
  return `HTTP status ${status}`;
}

/**
 * Sends one webhook request (POST, JSON) and reports the outcome; never throws. When not
 * insecure the URL must pass checkWebhookUrlSyntax and every address the host resolves to,
 * at connection time, refusedAddressReason. Redirects are never followed, the whole attempt
 * is bounded by `timeoutMs`, and at most 64 KiB of the answer's body is read.
 */
export function sendWebhook(
  request: WebhookRequest,
  options: WebhookSendOptions,
): Promise<WebhookAttempt> {
  const started = performance.now();
  const failed = (error: string): WebhookAttempt => ({
    ok: false,
    status: null,
    durationMs: Math.round(performance.now() - started),
    error,
  });
  const check = checkWebhookUrlSyntax(request.url, options.allowInsecure);
  if (!check.ok) return Promise.resolve(failed(check.message));
  if (options.signal?.aborted) return Promise.resolve(failed('aborted'));
  return new Promise((resolve) => {
    const timeoutMs = options.timeoutMs ?? defaultWebhookTimeoutMs;
    let status: number | null = null;
    let settled = false;
    let req: ClientRequest | undefined;
    const onAbort = () => req?.destroy(new Error('aborted'));
    const timer = setTimeout(
      () => req?.destroy(new Error(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    // Settles once. Once an answer came, its status alone decides: a body cut short after it,
    // by the 64 KiB bound, the timeout or the receiver, does not undo the answer.
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req?.destroy();
      const outcome = status === null ? (error ?? 'no answer') : statusError(status);
      resolve({
        ok: status !== null && outcome === null,
        status,
        durationMs: Math.round(performance.now() - started),
        error: outcome,
      });
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onResponse = (res: IncomingMessage) => {
      status = res.statusCode ?? null;
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= maxWebhookResponseBytes) finish(null);
      });
      res.on('end', () => finish(null));
      res.on('error', () => finish(null));
    };
    try {
      req = (check.url.protocol === 'https:' ? https : http).request(
        check.url,
        {
          method: 'POST',
          headers: {
            ...request.headers,
            'content-type': 'application/json',
            'user-agent': userAgent,
            'content-length': String(Buffer.byteLength(request.body)),
          },
          // A fresh connection every attempt: a pooled socket was checked for another request.
          agent: false,
          lookup: options.allowInsecure
            ? undefined
            : guardedLookup(options.resolve ?? systemResolver),
        },
        onResponse,
      );
    } catch (error) {
      // Node refuses some requests synchronously (a header value with a newline).
      finish(errorText(error));
      return;
    }
    req.on('error', (error) => finish(errorText(error)));
    req.end(request.body);
  });
}

export type WebhookTargetCheck = { ok: true } | { ok: false; message: string };

/**
 * Whether a webhook may be saved with `url`: checkWebhookUrlSyntax, then, when not insecure,
 * its host name resolved now and refused when it does not resolve or any address is refused,
 * for a clear refusal when the webhook is created or changed. Every attempt checks again.
 */
export async function checkWebhookTarget(
  url: string,
  allowInsecure: boolean,
  resolve: HostResolver = systemResolver,
): Promise<WebhookTargetCheck> {
  const check = checkWebhookUrlSyntax(url, allowInsecure);
  if (!check.ok) return check;
  if (allowInsecure || hostAddress(check.url) !== null) return { ok: true };
  const hostname = check.url.hostname;
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: `url host ${hostname} does not resolve${code ? ` (${code})` : ''}`,
    };
  }
  if (addresses.length === 0) return { ok: false, message: `url host ${hostname} has no address` };
  const refusal = refusedResolution(hostname, addresses);
  return refusal === null ? { ok: true } : { ok: false, message: refusal };
}
