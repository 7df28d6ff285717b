import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../../domain/actors.js';

/** Where the request came from, for the audit trail and IP allowlists. */
export function metaOf(request: FastifyRequest): RequestMeta {
  return { ip: request.ip ?? null, userAgent: userAgentOf(request.headers['user-agent']) };
}

const userAgentMaxLength = 512;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The User-Agent as its sender wrote it, for the audit log and a token's last use. Node
 * decodes header bytes as latin1, so a UTF-8 agent (`Zürich`) arrives garbled (`ZÃ¼rich`):
 * when its bytes are valid UTF-8 they are read as such, otherwise (a real latin1 agent) it
 * is kept as received. Control and invisible formatting characters are dropped, as names
 * refuse them, so that what the log shows is what was sent; the cut never splits a pair.
 */
function userAgentOf(raw: string | undefined): string | null {
  if (!raw) return null;
  let text = raw;
  // Bytes above 0x7f, and only bytes (a character above U+00FF cannot come from latin1).
  if (/[\u0080-\u00ff]/.test(raw) && !/[\u0100-\uffff]/.test(raw)) {
    try {
      text = utf8.decode(Buffer.from(raw, 'latin1'));
    } catch {
      // Not UTF-8: latin1 is then the best reading there is.
    }
  }
  text = text.replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '');
  if (text.length > userAgentMaxLength) {
    const last = text.charCodeAt(userAgentMaxLength - 1);
    const end = last >= 0xd800 && last <= 0xdbff ? userAgentMaxLength - 1 : userAgentMaxLength;
    text = text.slice(0, end);
  }
  return text === '' ? null : text;
}
