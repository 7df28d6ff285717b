/**
 * Webhook signing per the Standard Webhooks specification (docs/security.md "Webhooks"): a
 * receiver verifies what we send with any of that specification's libraries.
 */
import { createHmac, randomBytes } from 'node:crypto';

const secretPrefix = 'whsec_';
// The specification's bounds for a symmetric secret: 24 bytes (192 bits) to 64 (512 bits).
const minSecretBytes = 24;
const maxSecretBytes = 64;
const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;

/** The three headers of a signed webhook request. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new signing secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(32).toString('base64')}`;
}

/**
 * The key a secret stands for. Buffer.from(…, 'base64') skips characters it does not know and
 * takes missing padding, so a mistyped secret would silently become another key: only
 * canonical base64 (re-encoding gives the same text) of an allowed length is taken.
 */
function secretKey(secret: string): Buffer {
  if (!secret.startsWith(secretPrefix)) throw new Error('webhook secret must start with whsec_');
  const text = secret.slice(secretPrefix.length);
  const key = Buffer.from(text, 'base64');
  if (!base64Text.test(text) || key.toString('base64') !== text) {
    throw new Error('webhook secret is not base64 after whsec_');
  }
  if (key.length < minSecretBytes || key.length > maxSecretBytes) {
    throw new Error(
      `webhook secret must be ${minSecretBytes} to ${maxSecretBytes} bytes, not ${key.length}`,
    );
  }
  return key;
}

/**
 * The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256, keyed with the decoded
 * secret, of `{id}.{timestamp}.{body}`. The id may hold no `.`, which would let one
 * (id, timestamp) pair pass for another, and the timestamp is whole Unix seconds.
 */
export function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  if (id === '' || id.includes('.')) throw new Error('webhook id must be non-empty without "."');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error('webhook timestamp must be whole, non-negative Unix seconds');
  }
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/** The headers that sign `body`, sent with it unchanged. */
export function webhookHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secret, id, timestampSeconds, body),
  };
}
