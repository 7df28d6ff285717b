import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Link, useNavigate, useOutletContext } from 'react-router';
import { api } from '../api/client.js';
import type { OrgsContext } from '../components/app-layout.js';
import { useDerivedKey } from '../components/derived-key.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { fieldRefusal, fieldRules, orgKeyProblem } from '../components/field-messages.js';
import { Choice, Field } from '../components/fields.js';
import { planNames } from '../components/plan-notice.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';
import { useUser } from '../session.js';

const orgKeyLength = 39;

function CreateOrganization({ onCreated }: { onCreated(key: string): void }) {
  const [name, setName] = useState('');
  const { key, setKey } = useDerivedKey(name, orgKeyLength);
  const [plan, setPlan] = useState<keyof typeof planNames>('team');
  const [keyChecked, setKeyChecked] = useState(false);
  const { submit, error, busy } = useSubmit(async () => {
    const org = await api.createOrg({ key: key.trim(), name: name.trim(), plan });
    onCreated(org.key);
  });
  const refusal = fieldRefusal(error, ['key', 'name'], { key: fieldRules.orgKey });
  const keyProblem =
    (keyChecked && key !== '' ? orgKeyProblem(key) : undefined) ??
    (refusal?.field === 'key' ? refusal.message : undefined);
  return (
    <section aria-labelledby="create-org">
      <h2 id="create-org">Create an organization</h2>
      <Form
        className="form form-inline"
        validationBehavior="aria"
        onSubmit={(event) => {
          event.preventDefault();
          setKeyChecked(true);
          if (!orgKeyProblem(key)) void submit();
        }}
      >
        <Field
          label="Name"
          value={name}
          onChange={setName}
          isRequired
          problem={refusal?.field === 'name' ? refusal.message : undefined}
        />
        <Field
          label="Key"
          description="Made from the name; change it if you like. Used in addresses and by the CLI."
          value={key}
          onChange={setKey}
          isRequired
          problem={keyProblem}
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
      {!refusal && <ErrorNotice error={error} />}
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
