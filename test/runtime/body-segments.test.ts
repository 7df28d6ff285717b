import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { joinedBody, readBodySegments } from '../../src/runtime/body-segments.js';
import { decodedBody } from '../../src/runtime/ingest-decoding.js';

/** A stream of `bytes` in chunks of `chunk` bytes, as a socket would deliver them. */
function chunked(bytes: Buffer, chunk: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) parts.push(bytes.subarray(at, at + chunk));
  return Readable.from(parts, { objectMode: false });
}

const mib = 1024 * 1024;

describe('reading an upload body into segments', () => {
  it('keeps every byte in order across segment boundaries, with or without a length', async () => {
    for (const size of [0, 1, 64 * 1024 - 1, 64 * 1024 + 1, mib, 3 * mib + 12_345]) {
      const bytes = randomBytes(size);
      // Chunks that do not divide the segments, so that chunks straddle them.
      for (const length of [String(size), undefined]) {
        const body = await readBodySegments(chunked(bytes, 65_519), length, 10 * mib);
        expect(body.length).toBe(size);
        expect(joinedBody(body).equals(bytes)).toBe(true);
        for (const segment of body.segments) expect(segment.byteLength).toBeLessThanOrEqual(mib);
      }
    }
  });

  it('gives a small body of known length one segment of its own memory', async () => {
    const bytes = randomBytes(5000);
    const body = await readBodySegments(chunked(bytes, 1000), '5000', mib);
    expect(body.segments).toHaveLength(1);
    const [only] = body.segments;
    expect(only?.buffer.byteLength).toBe(5000);
    // Its own copy: changing the chunks afterwards changes nothing read.
    bytes.fill(0);
    expect(joinedBody(body).some((byte) => byte !== 0)).toBe(true);
  });

  it('refuses a Content-Length over the limit before reading a byte', async () => {
    const stream = new PassThrough();
    await expect(readBodySegments(stream, String(2 * mib), mib)).rejects.toMatchObject({
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(stream.readableFlowing).toBeNull();
  });

  it('refuses a body that grows past the limit as soon as it does', async () => {
    const stream = new PassThrough();
    const read = readBodySegments(stream, undefined, 100_000);
    stream.write(Buffer.alloc(60_000));
    stream.write(Buffer.alloc(60_000));
    await expect(read).rejects.toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    // Never ended: the refusal did not wait for the rest of the body.
    expect(stream.writableEnded).toBe(false);
  });

  it('counts a decoded body against the limit by its bytes as sent too', async () => {
    const stream = Object.assign(new PassThrough(), { receivedEncodedLength: 0 });
    const read = readBodySegments(stream, undefined, 1000);
    stream.receivedEncodedLength = 5000;
    stream.write(Buffer.alloc(10));
    await expect(read).rejects.toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  });

  it('refuses a body shorter or longer than its Content-Length', async () => {
    for (const [sent, declared] of [
      [900, '1000'],
      [1100, '1000'],
    ] as const) {
      await expect(
        readBodySegments(chunked(Buffer.alloc(sent), 300), declared, mib),
      ).rejects.toMatchObject({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' });
    }
  });

  it('checks a decoded body against its Content-Length by the bytes as sent', async () => {
    const stream = Object.assign(new PassThrough(), { receivedEncodedLength: 0 });
    const read = readBodySegments(stream, '40', mib);
    stream.receivedEncodedLength = 40;
    stream.end(Buffer.alloc(4000));
    expect((await read).length).toBe(4000);
  });

  it('ends at once for a stream already destroyed, and for one closed before its end', async () => {
    const gone = new PassThrough();
    gone.destroy();
    await expect(readBodySegments(gone, '10', mib)).rejects.toMatchObject({ statusCode: 400 });

    const cut = new PassThrough();
    const read = readBodySegments(cut, '1000', mib);
    cut.write(Buffer.alloc(10));
    // Destroyed without an error: no 'end', no 'error', only 'close'.
    cut.destroy();
    await expect(read).rejects.toMatchObject({ statusCode: 400 });
  });

  it('ends a gzip body whose client left before it ended, or before it was read at all', async () => {
    const early = new PassThrough();
    early.destroy();
    await expect(
      readBodySegments(decodedBody(early, 'gzip', mib), undefined, mib),
    ).rejects.toMatchObject({ statusCode: 400 });

    const late = new PassThrough();
    const read = readBodySegments(decodedBody(late, 'gzip', mib), undefined, mib);
    late.write(gzipSync(Buffer.from('{"version":')).subarray(0, 12));
    late.destroy();
    await expect(read).rejects.toMatchObject({ statusCode: 400 });
  });

  it('ends with the stream error, as a client error unless it says otherwise', async () => {
    const stream = new PassThrough();
    const read = readBodySegments(stream, undefined, mib);
    stream.write(Buffer.alloc(10));
    stream.destroy(new Error('aborted'));
    await expect(read).rejects.toMatchObject({ message: 'aborted', statusCode: 400 });

    const tooLarge = new PassThrough();
    const refused = readBodySegments(tooLarge, undefined, mib);
    tooLarge.destroy(Object.assign(new Error('too large'), { statusCode: 413 }));
    await expect(refused).rejects.toMatchObject({ statusCode: 413 });
  });
});
