import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';

/**
 * A body as it was read: its bytes in order, in segments this process owns, and how many
 * there are. An object, not an array, because the route's body schema is an object.
 */
export interface BodySegments {
  segments: Uint8Array[];
  length: number;
}

/** Bytes per segment once a body outgrows its first one. */
const segmentBytes = 1024 * 1024;

/** The first segment of a body of unknown size (a gzip upload's inflated bytes). */
const firstSegmentBytes = 64 * 1024;

/**
 * Reads an upload's body into segments of at most 1 MiB, each chunk copied in as it arrives
 * (a chunk may be a view of the socket's read buffer, which must not be kept). Fastify's own
 * reader keeps the chunks and concatenates them when the body ends: for a 20 MB report that
 * one copy into a fresh 20 MB buffer held the event loop 10–20 ms, with a collection after it.
 * Here the copying is spread over the chunks, and the segments go to a parser thread as they
 * are (moved, not copied), which joins them there.
 *
 * The checks are Fastify's: a Content-Length over `limit` is refused before a byte is read,
 * more than `limit` bytes (inflated, when the body is decoded) as soon as they arrive, and a
 * body whose length is not its Content-Length (as sent, before inflating) once it ends; a
 * stream error (the client went away, a corrupt gzip stream) ends the read with that error.
 */
export function readBodySegments(
  payload: Readable & { receivedEncodedLength?: number },
  contentLengthHeader: string | undefined,
  limit: number,
): Promise<BodySegments> {
  const contentLength = Number(contentLengthHeader);
  if (contentLength > limit) return Promise.reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  // A plain body of known length fits one segment if it is small; a decoded one's length is
  // known only at its end.
  const known = payload.receivedEncodedLength === undefined && Number.isSafeInteger(contentLength);
  return new Promise((resolve, reject) => {
    // A client that left while its upload was authorized: its stream will say nothing more.
    if (payload.destroyed) {
      reject(Object.assign(new Error('The client closed the request.'), { statusCode: 400 }));
      return;
    }
    const segments: Uint8Array[] = [];
    let current: Buffer | null = null;
    let filled = 0;
    let received = 0;
    const cleanUp = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
      payload.removeListener('close', onClose);
    };
    /** The segment the next bytes go into: the current one until it is full. */
    const room = (): Buffer => {
      if (current !== null && filled < current.length) return current;
      const first = segments.length === 0;
      const size = !first
        ? segmentBytes
        : known && contentLength > 0
          ? Math.min(contentLength, segmentBytes)
          : firstSegmentBytes;
      const next = Buffer.allocUnsafeSlow(size);
      current = next;
      filled = 0;
      segments.push(next);
      return next;
    };
    function onData(chunk: Buffer | string) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > limit || (payload.receivedEncodedLength ?? 0) > limit) {
        cleanUp();
        reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        return;
      }
      let offset = 0;
      while (offset < bytes.length) {
        // The segment first: taking a new one starts `filled` over.
        const target = room();
        const copied = bytes.copy(target, filled, offset);
        filled += copied;
        offset += copied;
      }
    }
    function onEnd() {
      cleanUp();
      const sent = payload.receivedEncodedLength || received;
      if (!Number.isNaN(contentLength) && sent !== contentLength) {
        reject(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
        return;
      }
      // The last segment is cut to what it holds (a view: the move takes its whole memory).
      const last = segments.length - 1;
      if (current !== null && filled < current.length) segments[last] = current.subarray(0, filled);
      resolve({ segments, length: received });
    }
    function onError(error: Error & { statusCode?: number }) {
      cleanUp();
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) {
        error.statusCode = 400;
      }
      reject(error);
    }
    // Closed without an end or an error (destroyed without one): the body will not come.
    function onClose() {
      onError(new Error('The client closed the request.'));
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('close', onClose);
    payload.resume();
  });
}

/** The segments as one buffer: for a body parsed where it is (small), or in a parser thread. */
export function joinedBody(body: BodySegments): Buffer {
  const [only] = body.segments;
  if (body.segments.length === 1 && only) {
    return Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  }
  return Buffer.concat(body.segments, body.length);
}
