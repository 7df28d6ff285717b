import { api, everyPage } from '../api/client.js';
import type { Member, User } from '../api/types.js';
import { useUser } from '../session.js';
import { useLoad } from './use-load.js';

/** Someone a token answer names (its creator, who revoked it). */
export interface PersonRef {
  id: string;
  name: string;
}

/**
 * Whether the people a token names are still around, so that a token's creator who left or
 * was deactivated is marked as such: the organization's members (an org admin may read
 * them), the `member.removed` events of its audit log, and, for an instance admin, every
 * user. `note(person)` is "removed" (the log records the removal), "deactivated", "not a
 * member" (not a member, and no removal in the log: an instance admin who never joined), or
 * null while the lists load or when nothing needs saying.
 */
export function usePeople(org: string) {
  const me = useUser();
  const loaded = useLoad(
    () =>
      Promise.all([
        everyPage((cursor) => api.members(org, cursor, 200)),
        me.instanceAdmin ? everyPage(api.users) : Promise.resolve(null),
        everyPage((cursor) => api.auditEvents(org, { action: 'member.removed', cursor }), 1000),
      ]),
    [org, me.instanceAdmin],
  );
  const members = new Map<string, Member>((loaded.data?.[0] ?? []).map((m) => [m.userId, m]));
  const users = loaded.data?.[1]
    ? new Map<string, User>(loaded.data[1].map((u) => [u.id, u]))
    : null;
  const removed = new Set((loaded.data?.[2] ?? []).map((event) => event.target.id));
  return {
    note(person: PersonRef | null): string | null {
      if (!person || !loaded.data) return null;
      const member = members.get(person.id);
      const user = users?.get(person.id);
      if (member ? !member.active : user?.active === false) return 'deactivated';
      if (member) return null;
      if (removed.has(person.id)) return 'removed';
      return user?.instanceAdmin ? 'instance admin, not a member' : 'not a member';
    },
  };
}
