import { type Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError } from '../domain/errors.js';

/** Fastify compares this with Content-Length, which counts the bytes as sent. */
type Decoded = Readable & { receivedEncodedLength: number };

/**
 * The body of an upload as its parser should read it: as sent, or inflated when the client
 * sent `Content-Encoding: gzip`. The inflated size is counted while it streams and the
 * stream fails with PAYLOAD_TOO_LARGE as soon as it passes `limit`, so a gzip bomb costs at
 * most `limit` bytes of memory and the CPU to inflate that much, never its whole. zlib
 * inflates on libuv's thread pool: the event loop only moves chunks. Nothing is read here:
 * the stream flows when the body parser reads it.
 */
export function decodedBody(
  payload: Readable,
  encoding: string | undefined,
  limit: number,
): Readable {
  const name = (encoding ?? '').trim().toLowerCase();
  if (name === '' || name === 'identity') return payload;
  if (name !== 'gzip' && name !== 'x-gzip') throw new AppError('UNSUPPORTED_ENCODING');

  const gunzip = createGunzip();
  let inflated = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      inflated += chunk.length;
      if (inflated > limit) callback(new AppError('PAYLOAD_TOO_LARGE'));
      else callback(null, chunk);
    },
  }) as Transform & Decoded;
  counted.receivedEncodedLength = 0;

  // The client's stream is never destroyed here: the connection must stay up for the answer.
  const stop = () => {
    payload.unpipe(gunzip);
    gunzip.destroy();
  };
  counted.once('close', stop);
  gunzip.once('error', (error) => {
    counted.destroy(
      new AppError('VALIDATION_FAILED', `The body is not a valid gzip stream: ${error.message}.`, {
        field: '/body',
      }),
    );
  });
  payload.once('error', (error) => counted.destroy(error));
  // A client gone before its body ended (even before this was set up) closes the inflated
  // stream too, which would otherwise wait for the rest of a pipe that never comes. Closed
  // without an error: nothing may listen for one yet, and the reader refuses a stream that
  // closes before its end.
  if (payload.destroyed) counted.destroy();
  payload.once('close', () => {
    if (!payload.readableEnded) counted.destroy();
  });
  // The bytes as sent count too: a stream of empty deflate blocks inflates to nothing, and
  // would otherwise be read without end.
  payload.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
    if (counted.receivedEncodedLength > limit) counted.destroy(new AppError('PAYLOAD_TOO_LARGE'));
  });
  payload.pipe(gunzip).pipe(counted);
  return counted;
}
