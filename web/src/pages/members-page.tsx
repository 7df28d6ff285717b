import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Link } from 'react-router';
import { ApiError, api, everyPage } from '../api/client.js';
import type { Member } from '../api/types.js';
import { Confirm } from '../components/confirm.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { fieldRefusal } from '../components/field-messages.js';
import { Choice, Field } from '../components/fields.js';
import { useOrg } from '../components/org-layout.js';
import { DateTime } from '../components/time.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';
import { useUser } from '../session.js';

const roles = [
  ['member', 'Member'],
  ['admin', 'Admin'],
] as const;
type Role = (typeof roles)[number][0];

const roleNames: Record<Role, string> = { member: 'a member', admin: 'an admin' };

/**
 * The API's refusal to leave an organization without an admin (409 CONFLICT on a demotion or
 * removal of the last one), said as what to do about it.
 */
function lastAdminMessage(error: unknown, member: Member, org: string): unknown {
  if (error instanceof ApiError && error.code === 'CONFLICT' && member.role === 'admin') {
    return new Error(
      `${member.name} is the only admin of ${org}, and an organization needs one: make someone else admin first.`,
    );
  }
  return error;
}

/**
 * Adding a member: an existing, active account, by email (`POST …/members`). Accounts are an
 * instance admin's to create, under Users; the API's 404 says so in words.
 */
function AddMember({
  org,
  onAdded,
}: {
  org: { key: string; name: string };
  onAdded(message: string): void;
}) {
  const user = useUser();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const { submit, error, busy } = useSubmit(async () => {
    const member = await api.addMember(org.key, { email: email.trim(), role });
    setEmail('');
    onAdded(`${member.name} (${member.email}) is now ${roleNames[member.role]} of ${org.name}.`);
  });
  const refusal = fieldRefusal(error, ['email']);
  return (
    <section aria-labelledby="add-member">
      <h2 id="add-member">Add a member</h2>
      <p className="muted">
        The person needs an account on this orgtoken.{' '}
        {user.instanceAdmin ? (
          <>
            You create accounts under <Link to="/admin/users">Users</Link>.
          </>
        ) : (
          'An instance admin creates accounts.'
        )}
      </p>
      <Form className="form form-inline" onSubmit={submit}>
        <Field
          label="Email"
          type="email"
          value={email}
          onChange={setEmail}
          isRequired
          problem={refusal?.message}
        />
        <Choice label="Role" choices={roles} value={role} onChange={setRole} />
        <Button type="submit" className="button button-primary" isDisabled={busy || !email.trim()}>
          Add member
        </Button>
      </Form>
      {!refusal && <ErrorNotice error={error} />}
    </section>
  );
}

/**
 * Members: roles and removal, every change confirmed and then said. An organization keeps at
 * least one admin: Remove is not offered for the last one, and the API's refusal to demote
 * them says what to do instead.
 */
export function MembersPage() {
  const { org } = useOrg();
  // Every member (up to 5,000), so the page knows who the last admin is.
  const members = useLoad(
    () => everyPage((cursor) => api.members(org.key, cursor, 200)),
    [org.key],
  );
  const [removing, setRemoving] = useState<Member | null>(null);
  const [changing, setChanging] = useState<{ member: Member; role: Role } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const list = members.data ?? [];
  const admins = list.filter((member) => member.role === 'admin').length;

  usePageTitle(`Members · ${org.name}`);
  return (
    <section>
      <h1>Members</h1>
      <p className="lead">
        Removing a person ends their access to {org.name}; the organization tokens they created keep
        working.
      </p>
      <ErrorNotice error={members.error} />
      <SuccessNotice message={done} />
      {!members.data ? (
        !members.error && <Loading what="members" />
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
            {list.map((member) => {
              const lastAdmin = member.role === 'admin' && admins <= 1;
              return (
                <tr key={member.userId}>
                  <th scope="row">
                    {member.name}
                    {!member.active && <span className="muted"> (deactivated)</span>}
                  </th>
                  <td data-label="Email">{member.email}</td>
                  <td>
                    <Choice
                      label={`Role of ${member.name}`}
                      hideLabel
                      className="field field-compact"
                      choices={roles}
                      value={member.role}
                      onChange={(role) => {
                        if (role === member.role) return;
                        setDone(null);
                        setChanging({ member, role });
                      }}
                    />
                  </td>
                  <td data-label="Added">
                    <DateTime at={member.addedAt} />
                  </td>
                  <td>
                    {lastAdmin ? (
                      <span className="muted">Only admin</span>
                    ) : (
                      <Button
                        className="button button-quiet"
                        onPress={() => {
                          setDone(null);
                          setRemoving(member);
                        }}
                      >
                        Remove
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <AddMember
        org={org}
        onAdded={(message) => {
          setDone(message);
          members.reload();
        }}
      />
      {changing && (
        <Confirm
          isOpen
          onOpenChange={(open) => !open && setChanging(null)}
          title={
            changing.role === 'admin'
              ? `Make ${changing.member.name} an admin?`
              : `Make ${changing.member.name} a member?`
          }
          confirmLabel={changing.role === 'admin' ? 'Make admin' : 'Make member'}
          onConfirm={async () => {
            const { member, role } = changing;
            try {
              await api.putMember(org.key, member.userId, role);
            } catch (error) {
              throw lastAdminMessage(error, member, org.name);
            }
            setDone(`${member.name} is now ${roleNames[role]} of ${org.name}.`);
            members.reload();
          }}
        >
          {changing.role === 'admin' ? (
            <p>
              Admins of {org.name} create, rotate and revoke its organization tokens, add and remove
              members, and set the token policy.
            </p>
          ) : (
            <p>
              {changing.member.name} keeps access to the projects of {org.name} and loses its
              administration.
            </p>
          )}
        </Confirm>
      )}
      {removing && (
        <Confirm
          isOpen
          onOpenChange={(open) => !open && setRemoving(null)}
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove member"
          danger
          onConfirm={async () => {
            try {
              await api.removeMember(org.key, removing.userId);
            } catch (error) {
              throw lastAdminMessage(error, removing, org.name);
            }
            setDone(`${removing.name} is no longer a member of ${org.name}.`);
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
