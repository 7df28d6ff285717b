/**
 * Sends the notification emails over SMTP (SPEC §9; docs/operations.md "Email
 * notifications"), from ORGTOKEN_SMTP_URL. Delivery is retried by the outbox, so a send only
 * tries once, and fails with an error that says why.
 *
 * No connection pool: notices come a few at a time from the periodic jobs, hours apart, and
 * servers drop idle connections within minutes, so a pool would mostly hold connections that
 * are already dead. A connection per message also keeps one message's failure (a refused
 * recipient, a broken session) from touching the next one's. The cost, a handshake per
 * message, is nothing at this volume.
 */

import { createTransport, type NodemailerError, type SMTPTransportOptions } from 'nodemailer';

export interface MailMessage {
  /**
   * One address: the outbox sends a message per recipient, so a refusal or a retry
   * concerns that one person only.
   */
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Sends one message; rejects with a MailDeliveryError naming the SMTP failure. */
  send(message: MailMessage): Promise<void>;
  /** The longest one send can take before it rejects (the outbox leases longer). */
  readonly deadlineMs: number;
  /** Releases the transport; a later send rejects. */
  close(): void;
}

/** Why a message was not accepted: never the credentials, always the server and the cause. */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
  constructor(
    message: string,
    /** Nodemailer's error code (ECONNECTION, ETIMEDOUT, EAUTH, EENVELOPE, EMESSAGE, …). */
    readonly code: string | null,
    /** The SMTP reply code, when the server answered with one. */
    readonly responseCode: number | null,
    /**
     * True when the server refused the message for good (a 5xx reply other than 503): the
     * same message would be refused again. False for everything that may pass later.
     */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Connection, greeting and idle-socket timeout unless configured: 15 s each. */
export const defaultSmtpTimeoutMs = 15_000;

// The whole exchange of one message is bounded too: the per-step timeouts restart with every
// byte, so a server that trickles its replies could hold a job forever without this.
const sendDeadlineFactor = 4;

/** The sender address when ORGTOKEN_MAIL_FROM is unset. */
export function defaultMailFrom(hostname: string): string {
  return `orgtoken@${hostname.replace(/\.$/, '') || 'localhost'}`;
}

interface SmtpEndpoint {
  secure: boolean;
  host: string;
  port: number;
  auth: { user: string; pass: string } | null;
}

/**
 * Why `url` is not a usable ORGTOKEN_SMTP_URL (`smtp://[user:pass@]host[:port]` or
 * `smtps://…`), to follow the variable's name ("must start with smtp:// …"), or null when it
 * is. The message never repeats the password.
 */
export function checkSmtpUrl(url: string): string | null {
  const parsed = parseSmtpUrl(url);
  return typeof parsed === 'string' ? parsed : null;
}

/** The URL without its credentials, for logs: `smtp://mail.example.com:587`. */
export function describeSmtpUrl(url: string): string {
  const parsed = parseSmtpUrl(url);
  if (typeof parsed === 'string') return '(an invalid SMTP URL)';
  return `${parsed.secure ? 'smtps' : 'smtp'}://${hostForUrl(parsed.host)}:${parsed.port}`;
}

/**
 * The nodemailer options for `url`. Credentials are sent over TLS only (smtps, or STARTTLS,
 * then required) unless the server is on this host: a password must not cross a network in
 * the clear because a server, or someone between, did not offer STARTTLS.
 */
export function smtpTransportOptions(url: string, timeoutMs: number): SMTPTransportOptions {
  const endpoint = parseSmtpUrl(url);
  if (typeof endpoint === 'string') throw new TypeError(`the SMTP URL ${endpoint}`);
  return {
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: !endpoint.secure && endpoint.auth !== null && !isLoopback(endpoint.host),
    ...(endpoint.auth ? { auth: endpoint.auth } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // Nodemailer's protocol log holds the AUTH exchange, that is the password in base64.
    logger: false,
    debug: false,
    // Messages are made of strings here: nothing in them may name a file or URL to read.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** A mailer sending from `from` through the SMTP server of `url` (checked by checkSmtpUrl). */
export function createMailer(options: { url: string; from: string; timeoutMs?: number }): Mailer {
  const timeoutMs = options.timeoutMs ?? defaultSmtpTimeoutMs;
  const transportOptions = smtpTransportOptions(options.url, timeoutMs);
  const transporter = createTransport(transportOptions);
  const context: FailureContext = {
    server: describeSmtpUrl(options.url),
    deadlineMs: timeoutMs * sendDeadlineFactor,
    tlsForced: transportOptions.requireTLS === true,
    secrets: secretForms(transportOptions.auth),
  };
  let closed = false;
  return {
    deadlineMs: context.deadlineMs,
    async send(message) {
      if (closed) {
        throw new MailDeliveryError(
          `mail via ${context.server} not sent: the mailer is closed`,
          null,
          null,
          false,
        );
      }
      try {
        await transporter.sendMail({
          from: options.from,
          to: message.to,
          // A subject is one header line, whatever the caller built it from.
          subject: message.subject.replace(/[\r\n]+/g, ' '),
          text: message.text,
          html: message.html,
          // RFC 3834: out-of-office replies and other automatic answers skip this message.
          headers: { 'Auto-Submitted': 'auto-generated' },
          signal: AbortSignal.timeout(context.deadlineMs),
        });
      } catch (error) {
        throw deliveryError(error, context);
      }
    },
    close() {
      closed = true;
      transporter.close();
    },
  };
}

/** What a failure message may say about the mailer: never more than this. */
interface FailureContext {
  server: string;
  deadlineMs: number;
  tlsForced: boolean;
  secrets: string[];
}

function deliveryError(error: unknown, context: FailureContext): MailDeliveryError {
  const failure = (error ?? {}) as NodemailerError;
  const code = typeof failure.code === 'string' ? failure.code : null;
  const responseCode = typeof failure.responseCode === 'number' ? failure.responseCode : null;
  let reason = typeof failure.message === 'string' ? failure.message : String(error);
  if (code === 'EABORT') reason = `no complete exchange within ${context.deadlineMs} ms`;
  if (code === 'ETLS' && context.tlsForced) {
    reason +=
      ' (orgtoken sends SMTP credentials over TLS only: use smtps://, a server that offers STARTTLS, or a URL without credentials)';
  }
  const details = [code, responseCode === null ? null : `SMTP ${responseCode}`].filter(Boolean);
  const suffix = details.length > 0 ? ` (${details.join(', ')})` : '';
  return new MailDeliveryError(
    `mail via ${context.server} failed: ${redact(reason, context.secrets)}${suffix}`,
    code,
    responseCode,
    failure.permanent === true,
  );
}

// Every form in which a server could echo the password back: as written in the URL, decoded,
// and base64-encoded as AUTH LOGIN and AUTH PLAIN send it.
function secretForms(auth: SMTPTransportOptions['auth']): string[] {
  const pass = auth?.pass;
  if (!pass) return [];
  const user = auth.user ?? '';
  return [
    pass,
    encodeURIComponent(pass),
    Buffer.from(pass).toString('base64'),
    Buffer.from(`\0${user}\0${pass}`).toString('base64'),
  ];
}

function redact(text: string, secrets: string[]): string {
  let result = text;
  for (const secret of secrets) result = result.replaceAll(secret, '***');
  return result;
}

function parseSmtpUrl(url: string): SmtpEndpoint | string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1]?.toLowerCase();
  if (scheme !== 'smtp' && scheme !== 'smtps') {
    return `must start with smtp:// or smtps:// (got ${scheme ? `${scheme}:` : 'no scheme'})`;
  }
  // Read the port before URL does: it refuses an out-of-range port as a whole-URL error.
  const port = /^[^:]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/.exec(url.trim());
  const portText = port?.[1];
  if (portText !== undefined && portText !== '' && !validPort(portText)) {
    return `must have a port from 1 to 65535 (got ${JSON.stringify(portText)})`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return `is not a URL of the form ${scheme}://[user:password@]host[:port]`;
  }
  if (parsed.hostname === '') return `has no host (${scheme}://[user:password@]host[:port])`;
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search || parsed.hash) {
    return 'must not have a path, query or fragment: only [user:password@]host[:port]';
  }
  const auth = credentials(parsed);
  if (typeof auth === 'string') return auth;
  const secure = scheme === 'smtps';
  return {
    secure,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    // 465 is implicit TLS (RFC 8314), 587 the submission port with STARTTLS (RFC 6409).
    port: parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port),
    auth,
  };
}

function validPort(text: string): boolean {
  if (!/^\d{1,5}$/.test(text)) return false;
  const value = Number(text);
  return value >= 1 && value <= 65_535;
}

function credentials(parsed: URL): SmtpEndpoint['auth'] | string {
  if (parsed.username === '' && parsed.password === '') return null;
  if (parsed.username === '' || parsed.password === '') {
    return 'must give both a user and a password, or neither';
  }
  try {
    return {
      user: decodeURIComponent(parsed.username),
      pass: decodeURIComponent(parsed.password),
    };
  } catch {
    return 'has a malformed percent-escape in its user or password';
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
