import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Link } from 'react-router';
import { api } from '../api/client.js';
import { useDerivedKey } from '../components/derived-key.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { fieldRefusal, fieldRules, projectKeyProblem } from '../components/field-messages.js';
import { Field } from '../components/fields.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { DateTime } from '../components/time.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';
import { useSubmit } from '../hooks/use-submit.js';

const projectKeyLength = 100;

function CreateProject({ org, onCreated }: { org: string; onCreated(name: string): void }) {
  const [name, setName] = useState('');
  const { key, setKey, reset } = useDerivedKey(name, projectKeyLength);
  const [keyChecked, setKeyChecked] = useState(false);
  const { submit, error, busy } = useSubmit(async () => {
    const project = await api.createProject(org, { key: key.trim(), name: name.trim() });
    setName('');
    reset();
    setKeyChecked(false);
    onCreated(project.name);
  });
  const refusal = fieldRefusal(error, ['key', 'name'], { key: fieldRules.projectKey });
  const keyProblem =
    (keyChecked && key !== '' ? projectKeyProblem(key) : undefined) ??
    (refusal?.field === 'key' ? refusal.message : undefined);
  return (
    <section aria-labelledby="create-project">
      <h2 id="create-project">Add a project</h2>
      <Form
        className="form form-inline"
        validationBehavior="aria"
        onSubmit={(event) => {
          event.preventDefault();
          setKeyChecked(true);
          if (!projectKeyProblem(key)) void submit();
        }}
      >
        <Field
          label="Project name"
          value={name}
          onChange={setName}
          isRequired
          problem={refusal?.field === 'name' ? refusal.message : undefined}
        />
        <Field
          label="Project key"
          description="Made from the name; change it if you like. Pipelines name the project by it."
          value={key}
          onChange={setKey}
          isRequired
          problem={keyProblem}
        />
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          Add project
        </Button>
      </Form>
      {!refusal && <ErrorNotice error={error} />}
    </section>
  );
}

/** The projects of the organization; admins add projects here. */
export function ProjectsPage() {
  const { org, isAdmin } = useOrg();
  const projects = usePaged((cursor) => api.projects(org.key, { cursor }), [org.key]);
  const [added, setAdded] = useState<string | null>(null);
  usePageTitle(`Projects · ${org.name}`);
  return (
    <section>
      <h1>Projects of {org.name}</h1>
      <ErrorNotice error={projects.error} />
      {projects.loading ? (
        <Loading what="projects" />
      ) : projects.items.length === 0 ? (
        <p className="empty">
          No projects yet.{' '}
          {isAdmin
            ? 'Add one below, or let a token with project:provision create them on first analysis.'
            : 'An admin of this organization can add them.'}
        </p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Projects</caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Key</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {projects.items.map((project) => (
              <tr key={project.id}>
                <th scope="row">
                  <Link
                    to={`/orgs/${encodeURIComponent(org.key)}/projects/${encodeURIComponent(project.key)}`}
                  >
                    {project.name}
                  </Link>
                </th>
                <td className="mono" data-label="Key">
                  {project.key}
                </td>
                <td data-label="Created">
                  <DateTime at={project.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore loadMore={projects.loadMore} />
      {isAdmin && (
        <>
          <SuccessNotice message={added} />
          <CreateProject
            org={org.key}
            onCreated={(name) => {
              setAdded(`Project “${name}” added.`);
              projects.reload();
            }}
          />
        </>
      )}
    </section>
  );
}
