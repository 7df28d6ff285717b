import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Link, useNavigate, useOutletContext } from 'react-router';
import { api } from '../api/client.js';
import type { OrgsContext } from '../components/app-layout.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { Choice, Field } from '../components/fields.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';
import { useUser } from '../session.js';

const planNames = { free: 'Free', team: 'Team', enterprise: 'Enterprise' } as const;

function CreateOrganization({ onCreated }: { onCreated(key: string): void }) {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [plan, setPlan] = useState<keyof typeof planNames>('team');
  const { submit, error, busy } = useSubmit(async () => {
    const org = await api.createOrg({ key: key.trim(), name: name.trim(), plan });
    onCreated(org.key);
  });
  return (
    <section aria-labelledby="create-org">
      <h2 id="create-org">Create an organization</h2>
      <Form className="form form-inline" onSubmit={submit}>
        <Field label="Name" value={name} onChange={setName} isRequired />
        <Field
          label="Key"
          description="Lowercase letters, digits and dashes; used in addresses."
          value={key}
          onChange={setKey}
          isRequired
        />
        <Choice
          label="Plan"
          choices={Object.entries(planNames) as [keyof typeof planNames, string][]}
          value={plan}
          onChange={setPlan}
        />
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          Create organization
        </Button>
      </Form>
      <ErrorNotice error={error} />
    </section>
  );
}

/** The organizations of the signed-in user; instance admins can create one here. */
export function HomePage() {
  const user = useUser();
  const navigate = useNavigate();
  // The frame's list, also behind the organization switcher: loaded once for both.
  const { orgs } = useOutletContext<OrgsContext>();
  usePageTitle('Organizations');
  return (
    <section>
      <h1>Organizations</h1>
      <ErrorNotice error={orgs.error} />
      {!orgs.data ? (
        !orgs.error && <Loading what="organizations" />
      ) : orgs.data.length === 0 ? (
        <p className="empty">
          You are not a member of any organization yet.
          {!user.instanceAdmin && ' Ask an organization admin to add you.'}
        </p>
      ) : (
        <ul className="cards">
          {orgs.data.map((org) => (
            <li key={org.key} className="card">
              <Link to={`/orgs/${encodeURIComponent(org.key)}/projects`} className="card-title">
                {org.name}
              </Link>
              <p className="muted">
                {planNames[org.plan]} plan · {org.role === null ? 'instance admin' : org.role}
              </p>
            </li>
          ))}
        </ul>
      )}
      {user.instanceAdmin && (
        <CreateOrganization
          onCreated={(key) => {
            orgs.reload();
            navigate(`/orgs/${encodeURIComponent(key)}/projects`);
          }}
        />
      )}
    </section>
  );
}
