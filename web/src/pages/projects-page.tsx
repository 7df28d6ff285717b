import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Link } from 'react-router';
import { api } from '../api/client.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { Field } from '../components/fields.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { DateTime } from '../components/time.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';
import { useSubmit } from '../hooks/use-submit.js';

function CreateProject({ org, onCreated }: { org: string; onCreated(): void }) {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const { submit, error, busy } = useSubmit(async () => {
    await api.createProject(org, { key: key.trim(), name: name.trim() });
    setKey('');
    setName('');
    onCreated();
  });
  return (
    <section aria-labelledby="create-project">
      <h2 id="create-project">Add a project</h2>
      <Form className="form form-inline" onSubmit={submit}>
        <Field label="Project name" value={name} onChange={setName} isRequired />
        <Field label="Project key" value={key} onChange={setKey} isRequired />
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          Add project
        </Button>
      </Form>
      <ErrorNotice error={error} />
    </section>
  );
}

/** The projects of the organization; admins add projects here. */
export function ProjectsPage() {
  const { org, isAdmin } = useOrg();
  const projects = usePaged((cursor) => api.projects(org.key, { cursor }), [org.key]);
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
                <td className="mono">{project.key}</td>
                <td>
                  <DateTime at={project.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore loadMore={projects.loadMore} />
      {isAdmin && <CreateProject org={org.key} onCreated={projects.reload} />}
    </section>
  );
}
