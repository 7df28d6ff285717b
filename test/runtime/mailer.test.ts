import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { noticeMail } from '../../src/domain/notice-mail.js';
import {
  checkSmtpUrl,
  createMailer,
  defaultMailFrom,
  describeSmtpUrl,
  MailDeliveryError,
  type Mailer,
  smtpTransportOptions,
} from '../../src/runtime/mailer.js';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../helpers/smtp.js';

const from = 'orgtoken@orgtoken.test';
const to = 'ada@example.com';
const link = 'https://orgtoken.example.com/orgs/acme/admin/tokens/tok_42?rotate=1';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(options?: SmtpSinkOptions): Promise<SmtpSink> {
  const started = await startSmtpSink(options);
  cleanups.push(() => started.close());
  return started;
}

function mailer(url: string, timeoutMs?: number): Mailer {
  const created = createMailer({ url, from, ...(timeoutMs ? { timeoutMs } : {}) });
  cleanups.push(() => created.close());
  return created;
}

function notice(tokenName: string) {
  return noticeMail(
    {
      id: 'evt_1',
      type: 'token.expiring',
      timestamp: '2030-03-10T12:00:00.000Z',
      org: { key: 'acme', name: 'Acme' },
      data: {
        token: {
          id: 'tok_42',
          name: tokenName,
          hint: 'otk_ab12',
          status: 'active',
          expiresAt: '2030-03-17T12:00:00.000Z',
          lastUsedAt: null,
          createdBy: null,
        },
        daysBefore: 7,
      },
    },
    { publicUrl: 'https://orgtoken.example.com' },
  );
}

async function failure(promise: Promise<unknown>): Promise<MailDeliveryError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MailDeliveryError);
  return error as MailDeliveryError;
}

/** A TCP server that accepts connections and never says a word, as a hung SMTP server. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('mailer: delivery through a real SMTP server', () => {
  it('delivers sender, recipient, subject and both parts, each with the rotate link', async () => {
    const server = await sink();
    const mail = notice('ci-backend');
    await mailer(server.url).send({ to, ...mail });
    const [received] = await server.waitFor(1);
    expect(received?.from).toBe(from);
    expect(received?.to).toEqual([to]);
    expect(received?.envelope).toEqual({ from, to: [to] });
    expect(received?.subject).toBe('[Acme] Token "ci-backend" expires in 7 days');
    expect(received?.text).toContain(`: ${link}`);
    expect(received?.html).toContain(`<a href="${link}"`);
    expect(received?.html).toContain('<html lang="en">');
    expect(received?.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('delivers a hostile token name escaped in HTML and intact in text', async () => {
    const server = await sink();
    const hostile = `<script>alert("x")</script> & 'q'`;
    await mailer(server.url).send({ to, ...notice(hostile) });
    const [received] = await server.waitFor(1);
    expect(received?.html).not.toContain('<script');
    expect(received?.html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;',
    );
    expect(received?.text).toContain(hostile);
    expect(received?.subject).toBe(`[Acme] Token "${hostile}" expires in 7 days`);
  });

  it('lets no header in through a name or a subject holding CR/LF', async () => {
    const server = await sink();
    const injection = 'ci\r\nBcc: victim@example.com\r\nX-Injected: yes';
    const sender = mailer(server.url);
    await sender.send({ to, ...notice(injection) });
    // The mailer keeps a subject on one line even when a caller did not clean it.
    await sender.send({ to, subject: `hello\r\n${injection}`, text: 'body', html: '<p>body</p>' });
    const received = await server.waitFor(2);
    for (const message of received) {
      expect(message.envelope.to).toEqual([to]);
      expect(message.headers.has('bcc')).toBe(false);
      expect(message.headers.has('x-injected')).toBe(false);
      const header = message.raw.slice(0, message.raw.indexOf('\r\n\r\n'));
      expect(header).not.toMatch(/^(bcc|x-injected):/im);
      expect(message.subject).not.toMatch(/[\r\n]/);
    }
    expect(received[0]?.subject).toBe(
      '[Acme] Token "ci Bcc: victim@example.com X-Injected: yes" expires in 7 days',
    );
  });
});

describe('mailer: failures', () => {
  it('rejects a refused message with the server answer, then delivers the retry', async () => {
    const server = await sink({ failFirst: 1 });
    const sender = mailer(server.url);
    const error = await failure(sender.send({ to, ...notice('ci') }));
    expect(error.message).toMatch(
      /^mail via smtp:\/\/127\.0\.0\.1:\d+ failed: .*451 Try again later/,
    );
    expect(error.message).toContain('SMTP 451');
    expect(error.responseCode).toBe(451);
    expect(error.permanent).toBe(false);
    expect(server.messages).toHaveLength(0);
    await sender.send({ to, ...notice('ci') });
    await server.waitFor(1);
    expect(server.refused()).toBe(1);
  });

  it('marks a 5xx refusal as permanent', async () => {
    const server = await sink({ failFirst: 1, failCode: 554 });
    const error = await failure(mailer(server.url).send({ to, ...notice('ci') }));
    expect(error.responseCode).toBe(554);
    expect(error.permanent).toBe(true);
  });

  it('rejects a refused recipient, naming it', async () => {
    const server = await sink({ rejectRecipients: [to] });
    const error = await failure(mailer(server.url).send({ to, ...notice('ci') }));
    expect(error.code).toBe('EENVELOPE');
    expect(error.message).toContain(to);
    expect(error.message).toContain('550');
    expect(server.messages).toHaveLength(0);
  });

  it('rejects within the timeout when the server never answers', async () => {
    const port = await silentServer();
    const started = Date.now();
    const error = await failure(
      mailer(`smtp://127.0.0.1:${port}`, 300).send({ to, ...notice('ci') }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toMatch(/^mail via smtp:\/\/127\.0\.0\.1:\d+ failed: .*ETIMEDOUT/);
  });

  it('rejects at once when nothing listens', async () => {
    const port = await closedPort();
    const error = await failure(
      mailer(`smtp://127.0.0.1:${port}`, 300).send({ to, ...notice('ci') }),
    );
    expect(error.message).toContain(`mail via smtp://127.0.0.1:${port} failed`);
    expect(error.message).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
  });

  it('refuses to send once closed', async () => {
    const server = await sink();
    const sender = mailer(server.url);
    sender.close();
    const error = await failure(sender.send({ to, ...notice('ci') }));
    expect(error.message).toContain('the mailer is closed');
  });
});

describe('mailer: credentials', () => {
  const password = 'p@ss w/rd:S3cret%';
  const encoded = encodeURIComponent(password);

  it('logs in with percent-decoded credentials from the URL', async () => {
    const server = await sink({ credentials: { user: 'mailer@acme', pass: password } });
    const url = `smtp://mailer%40acme:${encoded}@127.0.0.1:${server.port}`;
    await mailer(url).send({ to, ...notice('ci') });
    await server.waitFor(1);
  });

  it('never puts the password in an error, for a refused login or an unreachable server', async () => {
    const server = await sink({ credentials: { user: 'mailer', pass: 'another one' } });
    const silent = await silentServer();
    const urls = [
      `smtp://mailer:${encoded}@127.0.0.1:${server.port}`,
      `smtp://mailer:${encoded}@127.0.0.1:${silent}`,
      `smtp://mailer:${encoded}@127.0.0.1:${await closedPort()}`,
    ];
    const errors = await Promise.all(
      urls.map((url) => failure(mailer(url, 300).send({ to, ...notice('ci') }))),
    );
    expect(errors[0]?.code).toBe('EAUTH');
    expect(errors[0]?.responseCode).toBe(535);
    for (const error of errors) {
      const said = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
      for (const form of [password, encoded, 'S3cret', Buffer.from(password).toString('base64')]) {
        expect(said).not.toContain(form);
      }
    }
  });

  it('requires TLS for credentials sent to another host, not for a local relay', () => {
    const remote = smtpTransportOptions('smtp://u:p@mail.example.com:587', 1000);
    expect(remote).toMatchObject({
      host: 'mail.example.com',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'u', pass: 'p' },
      connectionTimeout: 1000,
      greetingTimeout: 1000,
      socketTimeout: 1000,
    });
    expect(smtpTransportOptions('smtp://mail.example.com:25', 1000).requireTLS).toBe(false);
    expect(smtpTransportOptions('smtps://u:p@mail.example.com', 1000)).toMatchObject({
      secure: true,
      port: 465,
      requireTLS: false,
    });
    expect(smtpTransportOptions('smtp://u:p@localhost:25', 1000).requireTLS).toBe(false);
    expect(smtpTransportOptions('smtp://u:p@[::1]:25', 1000)).toMatchObject({
      host: '::1',
      requireTLS: false,
    });
  });
});

describe('SMTP URL checks', () => {
  it.each([
    'smtp://mail.example.com:587',
    'smtps://user:pass@mail.example.com:465',
    'SMTP://mail.example.com',
    'smtp://localhost:2525/',
    'smtp://[2001:db8::1]:25',
    'smtp://u%40x:p%2Fq@10.0.0.1:25',
  ])('accepts %s', (url) => {
    expect(checkSmtpUrl(url)).toBeNull();
  });

  it.each([
    ['http://mail.example.com:25', /must start with smtp:\/\/ or smtps:\/\/ \(got http:\)/],
    ['mail.example.com:25', /must start with smtp:\/\//],
    ['', /must start with smtp:\/\/ or smtps:\/\/ \(got no scheme\)/],
    ['smtp://mail.example.com:0', /port from 1 to 65535 \(got "0"\)/],
    ['smtp://mail.example.com:65536', /port from 1 to 65535 \(got "65536"\)/],
    ['smtp://mail.example.com:ab', /port from 1 to 65535/],
    ['smtp://:25', /no host|not a URL/],
    ['smtp://', /no host|not a URL/],
    ['smtp://mail.example.com:25/inbox', /must not have a path, query or fragment/],
    ['smtp://mail.example.com:25?secure=true', /must not have a path, query or fragment/],
    ['smtp://user@mail.example.com:25', /both a user and a password/],
    ['smtp://:pass@mail.example.com:25', /both a user and a password/],
    ['smtp://user:%zz@mail.example.com:25', /malformed percent-escape/],
  ])('refuses %s', (url, message) => {
    const problem = checkSmtpUrl(url);
    // The configuration puts the variable's name in front of it.
    expect(problem).toMatch(/^(must|has|is) /);
    expect(problem).toMatch(message);
  });

  it('never repeats the password of a refused URL', () => {
    for (const url of [
      'smtp://user:hunter2hunter2@mail.example.com:99999',
      'smtp://user:hunter2hunter2@mail.example.com:25/x',
      'http://user:hunter2hunter2@mail.example.com:25',
      'smtp://user:hunter2hunter2%zz@mail.example.com:25',
    ]) {
      expect(checkSmtpUrl(url)).not.toContain('hunter2');
    }
  });

  it('describes a URL for logs without its credentials', () => {
    expect(describeSmtpUrl('smtps://user:secret@mail.example.com')).toBe(
      'smtps://mail.example.com:465',
    );
    expect(describeSmtpUrl('smtp://u:p@[::1]:2525')).toBe('smtp://[::1]:2525');
    expect(describeSmtpUrl('smtp://u:secret@host:0')).not.toContain('secret');
  });

  it('sends from orgtoken@ the host name unless configured', () => {
    expect(defaultMailFrom('build-01.example.com')).toBe('orgtoken@build-01.example.com');
    expect(defaultMailFrom('build-01.example.com.')).toBe('orgtoken@build-01.example.com');
  });
});
