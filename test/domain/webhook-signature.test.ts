import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  newWebhookSecret,
  signWebhook,
  webhookHeaders,
} from '../../src/domain/webhook-signature.js';

// The vector of the Standard Webhooks reference libraries' "sign function works" test.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('webhook signatures (Standard Webhooks)', () => {
  it('reproduces the specification test vector exactly', () => {
    expect(signWebhook(vector.secret, vector.id, vector.timestamp, vector.body)).toBe(
      vector.signature,
    );
    expect(webhookHeaders(vector.secret, vector.id, vector.timestamp, vector.body)).toEqual({
      'webhook-id': vector.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': vector.signature,
    });
  });

  it('signs the id, the timestamp and the body: changing any one changes the signature', () => {
    const { secret, id, timestamp, body } = vector;
    const base = signWebhook(secret, id, timestamp, body);
    expect(signWebhook(secret, `${id}x`, timestamp, body)).not.toBe(base);
    expect(signWebhook(secret, id, timestamp + 1, body)).not.toBe(base);
    expect(signWebhook(secret, id, timestamp, `${body} `)).not.toBe(base);
    expect(signWebhook(newWebhookSecret(), id, timestamp, body)).not.toBe(base);
  });

  it('creates secrets of whsec_ and the base64 of 32 random bytes, each one new', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newWebhookSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    }
  });

  it('is verified by the standardwebhooks library for random secrets, ids and bodies', () => {
    const secret = fc.oneof(
      fc.constant(null).map(() => newWebhookSecret()),
      fc
        .integer({ min: 24, max: 64 })
        .map((bytes) => `whsec_${randomBytes(bytes).toString('base64')}`),
    );
    const id = fc.stringMatching(/^msg_[A-Za-z0-9_-]{1,40}$/);
    const body = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 500 }),
      fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
    );
    fc.assert(
      fc.property(secret, id, fc.integer({ min: -60, max: 60 }), body, (s, i, skew, b) => {
        const timestamp = nowSeconds() + skew;
        const headers = webhookHeaders(s, i, timestamp, b);
        const receiver = new Webhook(s);
        expect(() => receiver.verify(b, { ...headers }, { jsonParse: false })).not.toThrow();
        // Not a verifier that accepts anything: the same headers with another body fail.
        expect(() => receiver.verify(`${b}!`, { ...headers }, { jsonParse: false })).toThrow(
          'No matching signature found',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses malformed secrets rather than signing with another key', () => {
    const key32 = randomBytes(32).toString('base64');
    for (const secret of [
      '',
      'whsec_',
      key32, // no prefix
      `WHSEC_${key32}`,
      `whsec ${key32}`,
      `whsec_${key32.slice(0, -1)}`, // padding missing
      `whsec_${key32.replace('=', '')}`,
      `whsec_${key32} `,
      `whsec_ ${key32}`,
      `whsec_${key32.slice(0, 20)}\n${key32.slice(20)}`,
      `whsec_${key32.slice(0, 20)}*${key32.slice(21)}`,
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_', // base64url, not base64
      `whsec_${randomBytes(16).toString('base64')}`, // 16 bytes: under the 24 required
      `whsec_${randomBytes(23).toString('base64')}`,
      `whsec_${randomBytes(65).toString('base64')}`, // over the 64 allowed
    ]) {
      expect(() => signWebhook(secret, vector.id, vector.timestamp, vector.body), secret).toThrow(
        /webhook secret/,
      );
    }
  });

  it('refuses an id holding "." or empty, and a timestamp that is not whole Unix seconds', () => {
    const { secret, timestamp, body } = vector;
    expect(() => signWebhook(secret, 'msg.1', timestamp, body)).toThrow(/webhook id/);
    expect(() => signWebhook(secret, '', timestamp, body)).toThrow(/webhook id/);
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => signWebhook(secret, 'msg_1', bad, body), String(bad)).toThrow(
        /webhook timestamp/,
      );
    }
  });
});
