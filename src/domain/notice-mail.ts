/**
 * The email an organization's admins (and a token's creator) get for the emailed events
 * (SPEC §9; docs/operations.md "Email notifications"): what happened, what to do, and a link
 * to the token, made from the same event body the webhooks receive.
 */

import { emailedEventTypes } from './notifications.js';

/**
 * The event body as the outbox holds it: structurally the contract's EventBody
 * (src/contract/notifications.ts), declared here because domain/ imports nothing outside it.
 */
export interface NoticeEvent {
  id: string;
  type: string;
  timestamp: string;
  org: { key: string; name: string };
  data: Record<string, unknown>;
}

export interface NoticeMail {
  subject: string;
  text: string;
  html: string;
}

/** The token as an event's data carries it, read defensively: the outbox stores plain JSON. */
interface NoticeToken {
  id: string;
  name: string;
  hint: string;
  status: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdBy: { id: string; name: string } | null;
}

/** One labelled fact of the mail: the same rows in the text and the HTML part. */
interface Fact {
  label: string;
  value: string;
  /** An ISO timestamp shown by the value, marked up as <time> in HTML. */
  datetime?: string;
}

/** What the mail says about one event, before it is rendered as text and HTML. */
interface Notice {
  headline: string;
  happened: string;
  todo: string;
  facts: Fact[];
}

// A user agent or a leak source is whatever the other side sent: long enough to identify,
// short enough that it cannot fill the mail.
const maxFreeTextLength = 200;

// C0 and C1 controls, invisible formatting characters and line or paragraph separators: a
// name never holds them (names.ts), but a subject line must stay one line whatever the event
// carries, and a user agent can hold anything a client chose to send.
const unsafeCharacters = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;

/** The text with every control or invisible character replaced by a space, on one line. */
export function oneLine(value: string, maxLength = Number.POSITIVE_INFINITY): string {
  const cleaned = value.replace(unsafeCharacters, ' ').trim();
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength - 1)}…` : cleaned;
}

/** The text safe inside HTML content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/**
 * How far `targetMs` is from `nowMs`, as "in 7 days" or "3 hours ago". Units switch at 45 s,
 * 45 min and 22 h, and values round to the nearest, so that a 7-day warning sent a few
 * minutes after the threshold was crossed still reads "in 7 days".
 */
export function relativeTime(targetMs: number, nowMs: number): string {
  const seconds = (targetMs - nowMs) / 1000;
  const magnitude = Math.abs(seconds);
  if (magnitude < 45) return relative.format(Math.round(seconds), 'second');
  if (magnitude < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (magnitude < 22 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** The link that opens the token in the web UI, with its rotate dialog. */
export function rotateLink(publicUrl: string, orgKey: string, tokenId: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}/orgs/${encodeURIComponent(orgKey)}/admin/tokens/${encodeURIComponent(tokenId)}?rotate=1`;
}

/**
 * The email for an emailed event type (`emailedEventTypes`), as plain text and HTML, with a
 * one-line subject. Throws for any other type, or for an event without the data its type has.
 */
export function noticeMail(event: NoticeEvent, links: { publicUrl: string }): NoticeMail {
  if (!(emailedEventTypes as ReadonlySet<string>).has(event.type)) {
    throw new TypeError(`${event.type} events are not emailed`);
  }
  const nowMs = parseTime(event.timestamp, 'timestamp', event.type);
  const token = readToken(event);
  const notice = describe(event, token, nowMs);
  const org = `${oneLine(event.org.name)} (${oneLine(event.org.key)})`;
  const link = {
    href: rotateLink(links.publicUrl, event.org.key, token.id),
    label: `${isRotatable(token) ? 'Rotate' : 'Open'} token "${oneLine(token.name)}"`,
  };
  const facts: Fact[] = [
    { label: 'Token', value: token.hint ? `${token.name} (${token.hint}…)` : token.name },
    { label: 'Organization', value: org },
    { label: 'Status', value: token.status },
    expiryFact(token, nowMs),
    lastUseFact(token, nowMs),
    { label: 'Created by', value: token.createdBy?.name ?? 'unknown' },
    ...notice.facts,
  ].map((fact) => ({ ...fact, value: oneLine(fact.value) }));
  const subject = oneLine(`[${event.org.name}] ${notice.headline}`);
  const parts = { ...notice, facts, link, org: oneLine(event.org.name) };
  return { subject, text: renderText(parts), html: renderHtml(subject, parts) };
}

// A revoked or expired token cannot be rotated (docs/api.md "Errors": CONFLICT), so its link
// is labelled for what it does then: it opens the token, from where a replacement is made.
function isRotatable(token: NoticeToken): boolean {
  return token.status !== 'revoked' && token.status !== 'expired';
}

function describe(event: NoticeEvent, token: NoticeToken, nowMs: number): Notice {
  const name = `"${oneLine(token.name)}"`;
  const org = oneLine(event.org.name);
  switch (event.type) {
    case 'token.expiring':
      return expiringNotice(event, token, name, org, nowMs);
    case 'token.expired':
      return expiredNotice(token, name, org, nowMs);
    case 'token.stale':
      return staleNotice(event, name, org);
    case 'token.leaked':
      return leakedNotice(event, token, name, org);
    case 'token.superseded_secret_used':
      return supersededNotice(event, name, org);
    default:
      throw new TypeError(`there is no email for ${event.type} events`);
  }
}

function expiringNotice(
  event: NoticeEvent,
  token: NoticeToken,
  name: string,
  org: string,
  nowMs: number,
): Notice {
  const days = readInteger(event, 'daysBefore');
  const when = token.expiresAt ? relativeTime(Date.parse(token.expiresAt), nowMs) : 'soon';
  return {
    headline: `Token ${name} expires ${when}`,
    happened: `The organization token ${name} of ${org} expires ${when}. This is the ${days}-day warning.`,
    todo: 'Rotate it before it expires and put the new secret in the pipelines that use it. Rotating with a grace period until first use keeps the old secret working until a pipeline uses the new one, so no pipeline breaks in between.',
    facts: [],
  };
}

function expiredNotice(token: NoticeToken, name: string, org: string, nowMs: number): Notice {
  const when = token.expiresAt
    ? `expired ${relativeTime(Date.parse(token.expiresAt), nowMs)}`
    : 'has expired';
  return {
    headline: `Token ${name} has expired`,
    happened: `The organization token ${name} of ${org} ${when}. Every pipeline that still uses it is refused now.`,
    todo: 'An expired token cannot be rotated: create a new token with the permissions and project scope this one had, and put its secret in the pipelines that used this one.',
    facts: [],
  };
}

function staleNotice(event: NoticeEvent, name: string, org: string): Notice {
  const days = readInteger(event, 'staleAfterDays');
  return {
    headline: `Token ${name} has not been used for ${days} days`,
    happened: `The organization token ${name} of ${org} has not been used for ${days} days, so it is now listed as stale. It keeps working: orgtoken never deletes a token for being unused.`,
    todo: 'If no pipeline needs it any more, revoke it: an unused secret is only a risk. If one still does, nothing needs doing; its next use clears the flag.',
    facts: [],
  };
}

function leakedNotice(event: NoticeEvent, token: NoticeToken, name: string, org: string): Notice {
  const source = optionalString(event.data.source);
  const url = optionalString(event.data.url);
  // The location is shown as text, never as a link: a leak report is outside input, and a
  // notice from orgtoken should not lead anyone to a page of a stranger's choosing.
  const facts: Fact[] = [
    { label: 'Reported by', value: source ? oneLine(source, maxFreeTextLength) : 'unknown' },
  ];
  if (url) facts.push({ label: 'Found at', value: oneLine(url, maxFreeTextLength) });
  if (token.status === 'revoked') {
    return {
      headline: `Token ${name} was leaked and has been revoked`,
      happened: `The secret of the organization token ${name} of ${org} was reported as leaked, and orgtoken revoked the token. Every pipeline that uses it is refused now.`,
      todo: 'Create a new token with the same permissions and project scope and put its secret in those pipelines. Remove the leaked secret from where it was found, and check the audit log for uses you do not recognize.',
      facts,
    };
  }
  return {
    headline: `Token ${name} was reported leaked: rotate it now`,
    happened: `The secret of the organization token ${name} of ${org} was reported as leaked. The organization's leak response is to notify only, so the token still works, for whoever found the secret too.`,
    todo: 'Rotate it now, without a grace period, and put the new secret in the pipelines that use it. Remove the leaked secret from where it was found, and check the audit log for uses you do not recognize.',
    facts,
  };
}

function supersededNotice(event: NoticeEvent, name: string, org: string): Notice {
  const ip = optionalString(event.data.ip);
  const userAgent = optionalString(event.data.userAgent);
  return {
    headline: `A rotated-out secret of token ${name} was used`,
    happened: `Someone presented a secret of the organization token ${name} of ${org} that was rotated out. It was refused; the current secret keeps working. Such uses are sampled, so there may have been more.`,
    todo: 'A pipeline probably still has the old secret: put the current one in it. If you do not recognize the address below, the old secret may have leaked: rotate the token again and check the audit log.',
    facts: [
      { label: 'From address', value: ip ? oneLine(ip, maxFreeTextLength) : 'unknown' },
      {
        label: 'User agent',
        value: userAgent ? oneLine(userAgent, maxFreeTextLength) : 'none sent',
      },
    ],
  };
}

function expiryFact(token: NoticeToken, nowMs: number): Fact {
  if (token.expiresAt === null) return { label: 'Expires', value: 'never' };
  const ms = Date.parse(token.expiresAt);
  return timeFact(ms <= nowMs ? 'Expired' : 'Expires', ms, nowMs);
}

function lastUseFact(token: NoticeToken, nowMs: number): Fact {
  if (token.lastUsedAt === null) return { label: 'Last used', value: 'never' };
  return timeFact('Last used', Date.parse(token.lastUsedAt), nowMs);
}

/** An instant in UTC ISO form, followed by how far it is from the event. */
function timeFact(label: string, ms: number, nowMs: number): Fact {
  const at = new Date(ms).toISOString();
  return { label, value: `${at} (${relativeTime(ms, nowMs)})`, datetime: at };
}

interface Parts extends Notice {
  org: string;
  link: { href: string; label: string };
}

const footer = (org: string): string =>
  `You receive this email as an admin of ${org}, or because you created this token. An organization admin can turn these emails off in the organization's notification settings.`;

function renderText(parts: Parts): string {
  const width = Math.max(...parts.facts.map((fact) => fact.label.length)) + 2;
  const facts = parts.facts.map((fact) => `${`${fact.label}:`.padEnd(width)}${fact.value}`);
  return [
    `${parts.headline}.`,
    '',
    parts.happened,
    '',
    `What to do: ${parts.todo}`,
    '',
    ...facts,
    '',
    `${parts.link.label}: ${parts.link.href}`,
    '',
    '-- ',
    footer(parts.org),
    '',
  ].join('\n');
}

function renderHtml(subject: string, parts: Parts): string {
  const facts = parts.facts
    .map((fact) => {
      const value = fact.datetime
        ? `<time datetime="${escapeHtml(fact.datetime)}">${escapeHtml(fact.value)}</time>`
        : escapeHtml(fact.value);
      return `<dt style="font-weight:bold">${escapeHtml(fact.label)}</dt><dd style="margin:0 0 0.5em 0">${value}</dd>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:40em">
<h1 style="font-size:1.25em">${escapeHtml(parts.headline)}</h1>
<p>${escapeHtml(parts.happened)}</p>
<p><strong>What to do:</strong> ${escapeHtml(parts.todo)}</p>
<dl>
${facts}
</dl>
<p><a href="${escapeHtml(parts.link.href)}" style="color:#0645ad">${escapeHtml(parts.link.label)}</a></p>
<p style="color:#555;font-size:0.875em">${escapeHtml(footer(parts.org))}</p>
</body>
</html>
`;
}

function readToken(event: NoticeEvent): NoticeToken {
  const token = event.data.token;
  if (typeof token !== 'object' || token === null) missing(event, 'token');
  const raw = token as Record<string, unknown>;
  const text = (field: string): string => {
    const value = raw[field];
    if (typeof value !== 'string') missing(event, `token.${field}`);
    return value;
  };
  const time = (field: string): string | null => {
    const value = raw[field];
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') missing(event, `token.${field}`);
    parseTime(value, `token.${field}`, event.type);
    return value;
  };
  return {
    id: text('id'),
    name: text('name'),
    hint: typeof raw.hint === 'string' ? raw.hint : '',
    status: text('status'),
    expiresAt: time('expiresAt'),
    lastUsedAt: time('lastUsedAt'),
    createdBy: readPerson(raw.createdBy),
  };
}

function readPerson(value: unknown): NoticeToken['createdBy'] {
  if (typeof value !== 'object' || value === null) return null;
  const { id, name } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : null;
}

function readInteger(event: NoticeEvent, field: string): number {
  const value = event.data[field];
  if (typeof value !== 'number' || !Number.isInteger(value)) missing(event, field);
  return value;
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function parseTime(value: string, field: string, type: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${type} event: ${field} is not a date-time`);
  return ms;
}

function missing(event: NoticeEvent, field: string): never {
  throw new TypeError(`${event.type} event ${event.id} has no valid data.${field}`);
}
