import { useState } from 'react';
import { Button, Form, Input, Label, SearchField } from 'react-aria-components';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.js';
import type { Analysis, QualityGate } from '../api/types.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { Choice, Field } from '../components/fields.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { DateTime } from '../components/time.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';
import { useSettled } from '../hooks/use-settled.js';
import { useSubmit } from '../hooks/use-submit.js';

function GateBadge({ status }: { status: 'passed' | 'failed' }) {
  return (
    <span className={`badge badge-${status === 'passed' ? 'active' : 'revoked'}`}>
      {status === 'passed' ? 'Passed' : 'Failed'}
    </span>
  );
}

function limitText(limit: number | null): string {
  return limit === null ? 'no limit' : `at most ${limit}`;
}

/** The quality gate: its limits, and for admins a form to change them. */
function QualityGatePanel({
  org,
  project,
  isAdmin,
}: {
  org: string;
  project: string;
  isAdmin: boolean;
}) {
  const gate = useLoad(() => api.qualityGate(org, project), [org, project]);
  const [editing, setEditing] = useState(false);
  const [errors, setErrors] = useState('');
  const [warnings, setWarnings] = useState('');
  function toLimit(text: string): number | null {
    return text.trim() === '' ? null : Number(text);
  }
  const {
    submit: save,
    error: failure,
    busy,
  } = useSubmit(async () => {
    const next: QualityGate = { maxErrors: toLimit(errors), maxWarnings: toLimit(warnings) };
    await api.putQualityGate(org, project, next);
    setEditing(false);
    gate.reload();
  });
  return (
    <section aria-labelledby="gate-title" className="panel">
      <h2 id="gate-title">Quality gate</h2>
      <ErrorNotice error={gate.error} />
      {gate.data && !editing && (
        <>
          <p>
            Errors: {limitText(gate.data.maxErrors)} · Warnings: {limitText(gate.data.maxWarnings)}
          </p>
          {isAdmin && (
            <Button
              className="button"
              onPress={() => {
                setErrors(gate.data?.maxErrors?.toString() ?? '');
                setWarnings(gate.data?.maxWarnings?.toString() ?? '');
                setEditing(true);
              }}
            >
              Edit quality gate
            </Button>
          )}
        </>
      )}
      {editing && (
        <Form className="form form-inline" onSubmit={save}>
          <Field
            label="Most errors allowed"
            description="Empty: no limit."
            type="number"
            inputMode="numeric"
            value={errors}
            onChange={setErrors}
          />
          <Field
            label="Most warnings allowed"
            description="Empty: no limit."
            type="number"
            inputMode="numeric"
            value={warnings}
            onChange={setWarnings}
          />
          <Button type="submit" className="button button-primary" isDisabled={busy}>
            Save
          </Button>
          <Button className="button button-quiet" onPress={() => setEditing(false)}>
            Cancel
          </Button>
          <ErrorNotice error={failure} />
        </Form>
      )}
    </section>
  );
}

const levels = [
  ['any', 'All levels'],
  ['error', 'Errors'],
  ['warning', 'Warnings'],
  ['note', 'Notes'],
] as const;

/** The issues of one analysis, filtered by level and rule. */
function IssuesPanel({
  org,
  project,
  analysis,
}: {
  org: string;
  project: string;
  analysis: Analysis;
}) {
  const [level, setLevel] = useState<(typeof levels)[number][0]>('any');
  const [ruleText, setRuleText] = useState('');
  const rule = useSettled(ruleText);
  const issues = usePaged(
    (cursor) =>
      api.issues(org, project, analysis.id, {
        level: level === 'any' ? undefined : level,
        rule: rule || undefined,
        cursor,
      }),
    [org, project, analysis.id, level, rule],
  );
  return (
    <section aria-labelledby="issues-title">
      <h2 id="issues-title">
        Issues of the analysis of <DateTime at={analysis.createdAt} />
      </h2>
      <div className="filters">
        <Choice label="Level" choices={levels} value={level} onChange={setLevel} />
        <SearchField className="field" value={ruleText} onChange={setRuleText}>
          <Label>Rule</Label>
          <Input />
        </SearchField>
      </div>
      <ErrorNotice error={issues.error} />
      {issues.loading ? (
        <Loading what="issues" />
      ) : issues.items.length === 0 ? (
        <p className="empty">No issue matches.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Issues</caption>
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col">Rule</th>
              <th scope="col">Message</th>
              <th scope="col">Location</th>
            </tr>
          </thead>
          <tbody>
            {issues.items.map((issue) => (
              <tr key={issue.id}>
                <td>
                  <span className={`level level-${issue.level}`}>{issue.level}</span>
                </td>
                <td className="mono" data-label="Rule">
                  {issue.rule}
                </td>
                <td>{issue.message}</td>
                <td className="mono" data-label="Location">
                  {issue.file ?? '—'}
                  {issue.line !== null && `:${issue.line}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore loadMore={issues.loadMore} />
    </section>
  );
}

/** A project: its quality gate, its analyses, and the issues of the chosen analysis. */
export function ProjectPage() {
  const { org, isAdmin } = useOrg();
  const { projectKey = '' } = useParams();
  const project = useLoad(() => api.project(org.key, projectKey), [org.key, projectKey]);
  const analyses = usePaged(
    (cursor) => api.analyses(org.key, projectKey, cursor),
    [org.key, projectKey],
  );
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = analyses.items.find((a) => a.id === chosen) ?? analyses.items[0];

  usePageTitle(`${project.data?.name ?? projectKey} · ${org.name}`);
  return (
    <section>
      <p className="breadcrumb">
        <Link to={`/orgs/${encodeURIComponent(org.key)}/projects`}>Projects</Link>
      </p>
      <ErrorNotice error={project.error} />
      <h1>
        {project.data?.name ?? projectKey} <span className="muted mono">{projectKey}</span>
      </h1>
      {project.data && (
        <>
          <QualityGatePanel org={org.key} project={projectKey} isAdmin={isAdmin} />
          <section aria-labelledby="analyses-title">
            <h2 id="analyses-title">Analyses</h2>
            <ErrorNotice error={analyses.error} />
            {analyses.loading ? (
              <Loading what="analyses" />
            ) : analyses.items.length === 0 ? (
              <p className="empty">
                No analysis yet. Upload one from CI with <code>orgtoken analyze</code> and an
                organization token.
              </p>
            ) : (
              <table className="table">
                <caption className="visually-hidden">Analyses, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Quality gate</th>
                    <th scope="col">Errors</th>
                    <th scope="col">Warnings</th>
                    <th scope="col">Notes</th>
                    <th scope="col">Branch</th>
                    <th scope="col">Commit</th>
                    <th scope="col">Submitted by</th>
                  </tr>
                </thead>
                <tbody>
                  {analyses.items.map((analysis) => (
                    <tr key={analysis.id} aria-current={analysis === selected ? 'true' : undefined}>
                      <th scope="row">
                        <Button className="link-button" onPress={() => setChosen(analysis.id)}>
                          <DateTime at={analysis.createdAt} />
                        </Button>
                      </th>
                      <td>
                        <GateBadge status={analysis.qualityGate.status} />
                      </td>
                      <td data-label="Errors">{analysis.summary.errors}</td>
                      <td data-label="Warnings">{analysis.summary.warnings}</td>
                      <td data-label="Notes">{analysis.summary.notes}</td>
                      <td data-label="Branch">{analysis.branch ?? '—'}</td>
                      <td className="mono" data-label="Commit">
                        {analysis.commit?.slice(0, 12) ?? '—'}
                      </td>
                      <td data-label="Submitted by">{analysis.submittedBy.name}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <LoadMore loadMore={analyses.loadMore} />
          </section>
          {selected && <IssuesPanel org={org.key} project={projectKey} analysis={selected} />}
        </>
      )}
    </section>
  );
}
