import { api, everyPage } from '../api/client.js';
import { useLoad } from './use-load.js';

/** The longest grace period a rotation can give (docs/api.md, rotate). */
const longestGraceMs = 24 * 3600 * 1000;

/**
 * When each recently rotated token's previous secret stops working, by token id: read from
 * the audit log's `token.rotated` events of the last 24 hours (their `previousValidUntil`),
 * since a token's own answer does not carry it. Only ends still ahead are kept. `round`
 * reloads it, e.g. after a rotation on the page.
 */
export function useGraceEnds(org: string, round: unknown): Map<string, string> {
  const loaded = useLoad(async () => {
    const now = Date.now();
    const events = await everyPage(
      (cursor) =>
        api.auditEvents(org, {
          action: 'token.rotated',
          since: new Date(now - longestGraceMs).toISOString(),
          cursor,
        }),
      1000,
    );
    const ends = new Map<string, string>();
    // Newest first: the first event of a token is its last rotation.
    for (const event of events) {
      const id = event.target.id;
      const until = event.details.previousValidUntil;
      if (!id || ends.has(id) || typeof until !== 'string') continue;
      ends.set(id, until);
    }
    for (const [id, until] of ends) if (Date.parse(until) <= now) ends.delete(id);
    return ends;
  }, [org, round]);
  return loaded.data ?? new Map();
}
