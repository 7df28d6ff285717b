/**
 * A real SMTP server for tests: it receives what orgtoken sends, parses each message as a
 * mail client would, and can refuse messages and recipients the way a server does.
 */

import type { AddressInfo } from 'node:net';
import { type AddressObject, type Headers, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  /** The From address. */
  from: string;
  /** The To addresses. */
  to: string[];
  /** MAIL FROM and RCPT TO, as the server saw them. */
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  html: string;
  /** Header names are lowercase. */
  headers: Headers;
  /** The message as it came over the wire, headers and MIME parts included. */
  raw: string;
}

export interface SmtpSinkOptions {
  /** The first N messages are refused at the end of DATA, with `failCode`. */
  failFirst?: number;
  /** The reply code of those refusals: 451 (try again later) unless set. */
  failCode?: number;
  /** Recipients refused at RCPT TO with 550. */
  rejectRecipients?: string[];
  /** The one login accepted; without it every AUTH attempt is refused with 535. */
  credentials?: { user: string; pass: string };
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, no credentials. */
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** How many messages were refused by `failFirst`. */
  refused(): number;
  /** Resolves once `count` messages arrived; rejects after `timeoutMs` (5 s) naming how many did. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return objects.flatMap((object) => object.value.map((entry) => entry.address ?? ''));
}

/** Starts a plain-text SMTP server on 127.0.0.1 with a free port. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const rejected = new Set((options.rejectRecipients ?? []).map((r) => r.toLowerCase()));
  let refused = 0;

  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    // No STARTTLS: the client stays on plain text, as with a local relay.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      const expected = options.credentials;
      if (expected && auth.username === expected.user && auth.password === expected.pass) {
        callback(null, { user: auth.username });
        return;
      }
      callback(smtpError('Invalid username or password', 535));
    },
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        callback(smtpError(`No such user here: ${address.address}`, 550));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (refused < (options.failFirst ?? 0)) {
          refused += 1;
          callback(smtpError('Try again later', options.failCode ?? 451));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        receive(raw, session.envelope).then(() => callback(), callback);
      });
    },
  };

  async function receive(
    raw: string,
    envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] },
  ): Promise<void> {
    const parsed = await simpleParser(raw);
    messages.push({
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      envelope: {
        from: envelope.mailFrom ? envelope.mailFrom.address : '',
        to: envelope.rcptTo.map((r) => r.address),
      },
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: parsed.html || '',
      headers: parsed.headers,
      raw,
    });
    for (const wake of waiters) wake();
  }

  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    refused: () => refused,
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
