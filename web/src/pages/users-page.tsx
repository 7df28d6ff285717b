import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Link } from 'react-router';
import { api, everyPage } from '../api/client.js';
import type { User } from '../api/types.js';
import { Confirm } from '../components/confirm.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { fieldRefusal } from '../components/field-messages.js';
import { Checkbox, Field } from '../components/fields.js';
import { DateTime } from '../components/time.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';
import { useUser } from '../session.js';

const minPasswordLength = 12;

function CreateUser({ onCreated }: { onCreated(user: User): void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [instanceAdmin, setInstanceAdmin] = useState(false);
  const [short, setShort] = useState(false);
  const { submit, error, busy } = useSubmit(async () => {
    const user = await api.createUser({
      name: name.trim(),
      email: email.trim(),
      password,
      instanceAdmin,
    });
    setName('');
    setEmail('');
    setPassword('');
    setInstanceAdmin(false);
    onCreated(user);
  });
  const refusal = fieldRefusal(error, ['name', 'email', 'password']);
  const problem = (field: string) => (refusal?.field === field ? refusal.message : undefined);
  return (
    <section aria-labelledby="create-user">
      <h2 id="create-user">Create a user</h2>
      <Form
        className="form"
        validationBehavior="aria"
        onSubmit={(event) => {
          event.preventDefault();
          const tooShort = password.length < minPasswordLength;
          setShort(tooShort);
          if (!tooShort) void submit();
        }}
      >
        <Field
          label="Name"
          value={name}
          onChange={setName}
          isRequired
          maxLength={100}
          problem={problem('name')}
        />
        <Field
          label="Email"
          type="email"
          value={email}
          onChange={setEmail}
          isRequired
          autoComplete="off"
          problem={problem('email')}
        />
        <Field
          label="Password"
          type="password"
          description={`At least ${minPasswordLength} characters. Give it to the person by a channel you trust.`}
          value={password}
          onChange={(typed) => {
            setPassword(typed);
            if (short && typed.length >= minPasswordLength) setShort(false);
          }}
          isRequired
          autoComplete="new-password"
          problem={
            short
              ? `The password needs at least ${minPasswordLength} characters.`
              : problem('password')
          }
        />
        <Checkbox isSelected={instanceAdmin} onChange={setInstanceAdmin}>
          Instance admin: manages users and organizations across this orgtoken
        </Checkbox>
        {!refusal && <ErrorNotice error={error} />}
        <div className="actions">
          <Button type="submit" className="button button-primary" isDisabled={busy}>
            Create user
          </Button>
        </div>
      </Form>
    </section>
  );
}

/**
 * Users (instance admins): every account of the instance, creating one, and deactivating or
 * reactivating it. Deactivation ends the person's sessions and stops their personal access
 * tokens; the organization tokens they created keep working. The last active instance admin
 * and the signed-in admin themself are not offered deactivation.
 */
export function UsersPage() {
  const me = useUser();
  const users = useLoad(
    () => (me.instanceAdmin ? everyPage(api.users) : Promise.resolve([])),
    [me.instanceAdmin],
  );
  const [changing, setChanging] = useState<User | null>(null);
  const [done, setDone] = useState<string | null>(null);
  usePageTitle('Users');

  if (!me.instanceAdmin) {
    return (
      <section className="denied">
        <h1>Users are managed by instance admins</h1>
        <p>
          Instance admins create the accounts of this orgtoken and deactivate them. To add someone
          to an organization, an admin of it adds their account under its Members.
        </p>
        <p>
          <Link to="/">Back to your organizations</Link>
        </p>
      </section>
    );
  }
  const list = users.data ?? [];
  const activeAdmins = list.filter((user) => user.active && user.instanceAdmin).length;
  return (
    <section>
      <h1>Users</h1>
      <p className="lead">
        The accounts of this orgtoken. A deactivated person cannot sign in, and their personal
        access tokens stop working; the organization tokens they created keep working.
      </p>
      <ErrorNotice error={users.error} />
      <SuccessNotice message={done} />
      {!users.data ? (
        !users.error && <Loading what="users" />
      ) : (
        <table className="table">
          <caption className="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((user) => {
              const lastAdmin = user.active && user.instanceAdmin && activeAdmins <= 1;
              return (
                <tr key={user.id}>
                  <th scope="row">
                    {user.name}
                    {user.id === me.id && <span className="muted"> (you)</span>}
                  </th>
                  <td data-label="Email">{user.email}</td>
                  <td data-label="Role">{user.instanceAdmin ? 'Instance admin' : 'User'}</td>
                  <td>
                    <span className={`badge ${user.active ? 'badge-active' : 'badge-expired'}`}>
                      {user.active ? 'Active' : 'Deactivated'}
                    </span>
                  </td>
                  <td data-label="Created">
                    <DateTime at={user.createdAt} />
                  </td>
                  <td>
                    {user.id === me.id ? null : lastAdmin ? (
                      <span className="muted">Only instance admin</span>
                    ) : (
                      <Button
                        className="button button-quiet"
                        onPress={() => {
                          setDone(null);
                          setChanging(user);
                        }}
                      >
                        {user.active ? 'Deactivate…' : 'Reactivate…'}
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <CreateUser
        onCreated={(user) => {
          setDone(
            `${user.name} (${user.email}) can sign in now. Add them to an organization under its Members.`,
          );
          users.reload();
        }}
      />
      {changing && (
        <Confirm
          isOpen
          onOpenChange={(open) => !open && setChanging(null)}
          title={changing.active ? `Deactivate ${changing.name}?` : `Reactivate ${changing.name}?`}
          confirmLabel={changing.active ? 'Deactivate user' : 'Reactivate user'}
          danger={changing.active}
          onConfirm={async () => {
            const user = await api.changeUser(changing.id, { active: !changing.active });
            setDone(
              user.active
                ? `${user.name} is active again and can sign in.`
                : `${user.name} is deactivated: signed out everywhere, and their personal access tokens stop working.`,
            );
            users.reload();
          }}
        >
          {changing.active ? (
            <p>
              {changing.name} is signed out everywhere at once and cannot sign in; their personal
              access tokens stop working. Their memberships stay, and the organization tokens they
              created keep working. You can reactivate the account later.
            </p>
          ) : (
            <p>
              {changing.name} can sign in again, with their memberships and personal access tokens
              as they were.
            </p>
          )}
        </Confirm>
      )}
    </section>
  );
}
