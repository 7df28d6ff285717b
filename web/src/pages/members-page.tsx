import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { api, everyPage } from '../api/client.js';
import type { Member } from '../api/types.js';
import { Confirm } from '../components/confirm.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { Choice, Field } from '../components/fields.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { DateTime } from '../components/time.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';
import { useSubmit } from '../hooks/use-submit.js';
import { useUser } from '../session.js';

const roles = [
  ['member', 'Member'],
  ['admin', 'Admin'],
] as const;
type Role = (typeof roles)[number][0];

/**
 * Adding a member: instance admins pick from every user; an org admin, who cannot list the
 * instance's users, enters the user id the person finds under My account.
 */
function AddMember({ org, members, onAdded }: { org: string; members: Member[]; onAdded(): void }) {
  const user = useUser();
  const users = useLoad(
    () => (user.instanceAdmin ? everyPage(api.users) : Promise.resolve(null)),
    [user.instanceAdmin],
  );
  const isMember = new Set(members.map((member) => member.userId));
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<Role>('member');
  const { submit, error, busy } = useSubmit(async () => {
    await api.putMember(org, userId.trim(), role);
    setUserId('');
    onAdded();
  });
  return (
    <section aria-labelledby="add-member">
      <h2 id="add-member">Add a member</h2>
      <Form className="form form-inline" onSubmit={submit}>
        {users.data ? (
          <Choice
            label="Person"
            placeholder="Choose a person"
            choices={users.data
              .filter((candidate) => candidate.active && !isMember.has(candidate.id))
              .map(
                (candidate) => [candidate.id, `${candidate.name} <${candidate.email}>`] as const,
              )}
            value={userId || null}
            onChange={setUserId}
          />
        ) : (
          <Field
            label="User id"
            description="The person finds it under My account."
            value={userId}
            onChange={setUserId}
            isRequired
          />
        )}
        <Choice label="Role" choices={roles} value={role} onChange={setRole} />
        <Button type="submit" className="button button-primary" isDisabled={busy || !userId}>
          Add member
        </Button>
      </Form>
      <ErrorNotice error={error} />
    </section>
  );
}

/** Members: roles and removal. The last admin cannot be removed (the API answers 409). */
export function MembersPage() {
  const { org } = useOrg();
  const members = usePaged((cursor) => api.members(org.key, cursor), [org.key]);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [error, setError] = useState<unknown>(null);

  usePageTitle(`Members · ${org.name}`);
  async function changeRole(member: Member, role: Role) {
    setError(null);
    try {
      await api.putMember(org.key, member.userId, role);
      members.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section>
      <h1>Members</h1>
      <p className="lead">
        Removing a person ends their access to {org.name}; the organization tokens they created keep
        working.
      </p>
      <ErrorNotice error={members.error ?? error} />
      {members.loading ? (
        <Loading what="members" />
      ) : (
        <table className="table">
          <caption className="visually-hidden">Members of {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.items.map((member) => (
              <tr key={member.userId}>
                <th scope="row">
                  {member.name}
                  {!member.active && <span className="muted"> (deactivated)</span>}
                </th>
                <td>{member.email}</td>
                <td>
                  <Choice
                    label={`Role of ${member.name}`}
                    hideLabel
                    className="field field-compact"
                    choices={roles}
                    value={member.role}
                    onChange={(role) => role !== member.role && changeRole(member, role)}
                  />
                </td>
                <td>
                  <DateTime at={member.addedAt} />
                </td>
                <td>
                  <Button className="button button-quiet" onPress={() => setRemoving(member)}>
                    Remove
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore loadMore={members.loadMore} />
      <AddMember org={org.key} members={members.items} onAdded={members.reload} />
      {removing && (
        <Confirm
          isOpen
          onOpenChange={(open) => !open && setRemoving(null)}
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove member"
          danger
          onConfirm={async () => {
            await api.removeMember(org.key, removing.userId);
            members.reload();
          }}
        >
          <p>
            {removing.name} loses access to {org.name} at once, and so do their personal access
            tokens here.
          </p>
        </Confirm>
      )}
    </section>
  );
}
