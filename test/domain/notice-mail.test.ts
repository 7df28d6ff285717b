import { describe, expect, it } from 'vitest';
import type { EventBody } from '../../src/contract/notifications.js';
import { noticeMail, relativeTime, rotateLink } from '../../src/domain/notice-mail.js';
import { emailedEventTypes } from '../../src/domain/notifications.js';

const at = '2030-03-10T12:00:00.000Z';
const hour = 3_600_000;
const day = 24 * hour;
const shifted = (ms: number) => new Date(Date.parse(at) + ms).toISOString();
const links = { publicUrl: 'https://orgtoken.example.com/' };
const link = 'https://orgtoken.example.com/orgs/acme/admin/tokens/tok_42?rotate=1';

function token(overrides: Record<string, unknown> = {}) {
  return {
    id: 'tok_42',
    name: 'ci-backend',
    hint: 'otk_ab12',
    status: 'active',
    expiresAt: shifted(7 * day),
    lastUsedAt: null,
    createdBy: { id: 'usr_1', name: 'Ada Lovelace' },
    ...overrides,
  };
}

function event(type: string, data: Record<string, unknown>, org = { key: 'acme', name: 'Acme' }) {
  const body: EventBody = { id: 'evt_1', type, timestamp: at, org, data };
  return body;
}

function expectCommonContent(mail: { subject: string; text: string; html: string }) {
  for (const part of [mail.text, mail.html]) {
    expect(part).toContain('ci-backend');
    expect(part).toContain('Acme (acme)');
    expect(part).toContain(link);
  }
  expect(mail.subject).toMatch(/^\[Acme\] /);
  expect(mail.html).toMatch(/^<!doctype html>\n<html lang="en">/);
  expect(mail.html).toContain(`<a href="${link}"`);
  expect(mail.html.match(/<a /g)).toHaveLength(1);
}

describe('notice mail: token.expiring', () => {
  const mail = noticeMail(event('token.expiring', { token: token(), daysBefore: 7 }), links);

  it('says when the token expires, relative to the event, and what to do', () => {
    expectCommonContent(mail);
    expect(mail.subject).toBe('[Acme] Token "ci-backend" expires in 7 days');
    expect(mail.text).toContain('This is the 7-day warning.');
    expect(mail.text).toMatch(/^Expires: +2030-03-17T12:00:00\.000Z \(in 7 days\)$/m);
    expect(mail.text).toMatch(/^Last used: +never$/m);
    expect(mail.text).toMatch(/^Created by: +Ada Lovelace$/m);
    expect(mail.text).toMatch(/^Token: +ci-backend \(otk_ab12…\)$/m);
    expect(mail.text).toContain('What to do: Rotate it before it expires');
    expect(mail.text).toContain(`Rotate token "ci-backend": ${link}`);
    expect(mail.html).toContain('<time datetime="2030-03-17T12:00:00.000Z">');
    expect(mail.html).toContain('>Rotate token &quot;ci-backend&quot;</a>');
  });

  it('reads the time left from the expiry, not from the threshold', () => {
    const late = noticeMail(
      event('token.expiring', { token: token({ expiresAt: shifted(20 * hour) }), daysBefore: 1 }),
      links,
    );
    expect(late.subject).toBe('[Acme] Token "ci-backend" expires in 20 hours');
    expect(late.text).toContain('This is the 1-day warning.');
  });

  it('refuses an event without its threshold', () => {
    expect(() => noticeMail(event('token.expiring', { token: token() }), links)).toThrow(
      /data\.daysBefore/,
    );
  });
});

describe('notice mail: token.expired', () => {
  const mail = noticeMail(
    event('token.expired', {
      token: token({
        status: 'expired',
        expiresAt: shifted(-2 * hour),
        lastUsedAt: shifted(-3 * day),
      }),
    }),
    links,
  );

  it('says it expired and that a replacement is needed, linking to the token', () => {
    expectCommonContent(mail);
    expect(mail.subject).toBe('[Acme] Token "ci-backend" has expired');
    expect(mail.text).toContain('expired 2 hours ago');
    expect(mail.text).toContain('cannot be rotated: create a new token');
    expect(mail.text).toMatch(/^Expired: +2030-03-10T10:00:00\.000Z \(2 hours ago\)$/m);
    expect(mail.text).toMatch(/^Last used: +2030-03-07T12:00:00\.000Z \(3 days ago\)$/m);
    expect(mail.html).toContain('>Open token &quot;ci-backend&quot;</a>');
  });
});

describe('notice mail: token.stale', () => {
  const mail = noticeMail(
    event('token.stale', {
      token: token({ lastUsedAt: shifted(-61 * day), expiresAt: null }),
      staleAfterDays: 60,
    }),
    links,
  );

  it('says it is unused, still works, and may be revoked', () => {
    expectCommonContent(mail);
    expect(mail.subject).toBe('[Acme] Token "ci-backend" has not been used for 60 days');
    expect(mail.text).toContain('It keeps working');
    expect(mail.text).toContain('revoke it');
    expect(mail.text).toMatch(/^Expires: +never$/m);
    expect(mail.text).toMatch(/^Last used: +2030-01-08T12:00:00\.000Z \(61 days ago\)$/m);
  });
});

describe('notice mail: token.leaked', () => {
  const data = {
    source: 'github',
    url: 'https://github.com/acme/app/blob/abc/.env',
  };

  it('says a revoked leaked token needs a replacement, showing where it was found as text', () => {
    const mail = noticeMail(
      event('token.leaked', { token: token({ status: 'revoked' }), ...data }),
      links,
    );
    expectCommonContent(mail);
    expect(mail.subject).toBe('[Acme] Token "ci-backend" was leaked and has been revoked');
    expect(mail.text).toContain('orgtoken revoked the token');
    expect(mail.text).toMatch(/^Reported by: +github$/m);
    expect(mail.text).toMatch(/^Found at: +https:\/\/github\.com\/acme\/app\/blob\/abc\/\.env$/m);
    expect(mail.html).not.toContain('href="https://github.com');
    expect(mail.html).toContain('>Open token &quot;ci-backend&quot;</a>');
  });

  it('asks for a rotation now when the leak response only notifies', () => {
    const mail = noticeMail(event('token.leaked', { token: token(), ...data }), links);
    expect(mail.subject).toBe('[Acme] Token "ci-backend" was reported leaked: rotate it now');
    expect(mail.text).toContain('the token still works');
    expect(mail.text).toContain('Rotate it now, without a grace period');
  });

  it('does without a source or location', () => {
    const mail = noticeMail(event('token.leaked', { token: token() }), links);
    expect(mail.text).toMatch(/^Reported by: +unknown$/m);
    expect(mail.text).not.toContain('Found at');
  });
});

describe('notice mail: token.superseded_secret_used', () => {
  it('names where the old secret came from', () => {
    const mail = noticeMail(
      event('token.superseded_secret_used', {
        token: token({ lastUsedAt: shifted(-5 * 60_000) }),
        ip: '203.0.113.9',
        userAgent: 'curl/8.5.0',
      }),
      links,
    );
    expectCommonContent(mail);
    expect(mail.subject).toBe('[Acme] A rotated-out secret of token "ci-backend" was used');
    expect(mail.text).toContain('It was refused; the current secret keeps working');
    expect(mail.text).toMatch(/^From address: +203\.0\.113\.9$/m);
    expect(mail.text).toMatch(/^User agent: +curl\/8\.5\.0$/m);
    expect(mail.text).toMatch(/^Last used: +\S+ \(5 minutes ago\)$/m);
  });

  it('says so when the address is unknown, and bounds a hostile user agent', () => {
    const mail = noticeMail(
      event('token.superseded_secret_used', {
        token: token(),
        ip: null,
        userAgent: `evil\u0007\u001b[31m${'x'.repeat(500)}`,
      }),
      links,
    );
    expect(mail.text).toMatch(/^From address: +unknown$/m);
    const userAgent = /^User agent: +(.*)$/m.exec(mail.text)?.[1] ?? '';
    expect(userAgent).toMatch(/^evil \[31mx+…$/);
    expect(userAgent.length).toBe(200);
  });
});

describe('notice mail: hostile names', () => {
  const hostile = `<script>alert("x")</script> & 'q'`;
  const mail = noticeMail(
    event(
      'token.expiring',
      {
        token: token({ name: hostile, createdBy: { id: 'u', name: '<b>Mallory</b>' } }),
        daysBefore: 7,
      },
      { key: 'acme', name: 'A&B <Corp>' },
    ),
    links,
  );

  it('escapes every value in the HTML part', () => {
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;',
    );
    expect(mail.html).toContain('A&amp;B &lt;Corp&gt; (acme)');
    expect(mail.html).toContain('&lt;b&gt;Mallory&lt;/b&gt;');
    expect(mail.html).toContain(`<title>[A&amp;B &lt;Corp&gt;] Token &quot;&lt;script&gt;`);
  });

  it('keeps the text part and the subject as written', () => {
    expect(mail.text).toContain(hostile);
    expect(mail.subject).toBe(`[A&B <Corp>] Token "${hostile}" expires in 7 days`);
  });

  it('keeps the subject on one line whatever the name holds', () => {
    const injected = noticeMail(
      event('token.expired', {
        token: token({ name: 'ci\r\nBcc: victim@example.com\u2028x\u0000y\u200bz' }),
      }),
      links,
    );
    expect(injected.subject).not.toMatch(/[\p{Cc}\p{Cf}\u2028]/u);
    expect(injected.subject).toBe('[Acme] Token "ci Bcc: victim@example.com x y z" has expired');
    expect(injected.text).toMatch(/^Token: +ci Bcc: victim@example\.com x y z \(otk_ab12…\)$/m);
  });
});

describe('notice mail: what is emailed', () => {
  it('has a mail for every emailed event type', () => {
    for (const type of emailedEventTypes) {
      const mail = noticeMail(
        event(type, { token: token(), daysBefore: 7, staleAfterDays: 60, ip: null }),
        links,
      );
      expect(mail.subject.length).toBeGreaterThan(0);
    }
  });

  it('refuses the event types that are not emailed', () => {
    for (const type of ['token.revoked', 'token.rotated', 'webhook.ping']) {
      expect(() => noticeMail(event(type, { token: token() }), links)).toThrow(/not emailed/);
    }
  });

  it('refuses an event without its token', () => {
    expect(() => noticeMail(event('token.expired', {}), links)).toThrow(/data\.token/);
    expect(() => noticeMail(event('token.expired', { token: token({ name: 7 }) }), links)).toThrow(
      /data\.token\.name/,
    );
  });
});

describe('rotate link', () => {
  it('joins the public URL without doubling slashes and encodes its parts', () => {
    expect(rotateLink('https://o.example.com', 'acme', 'tok_1')).toBe(
      'https://o.example.com/orgs/acme/admin/tokens/tok_1?rotate=1',
    );
    expect(rotateLink('https://o.example.com/base//', 'a b', 't/1')).toBe(
      'https://o.example.com/base/orgs/a%20b/admin/tokens/t%2F1?rotate=1',
    );
  });
});

describe('relative time', () => {
  const now = Date.parse(at);
  it.each([
    [10_000, 'in 10 seconds'],
    [-50_000, '1 minute ago'],
    [30 * 60_000, 'in 30 minutes'],
    [3 * hour, 'in 3 hours'],
    [23 * hour, 'in 1 day'],
    [7 * day - 5 * 60_000, 'in 7 days'],
    [-30 * day, '30 days ago'],
    [300 * day, 'in 300 days'],
  ])('describes %i ms as "%s"', (offset, expected) => {
    expect(relativeTime(now + offset, now)).toBe(expected);
  });
});
