import { useState } from 'react';
import { Button, Disclosure, DisclosurePanel, Heading } from 'react-aria-components';
import { CopyButton } from './copy-button.js';
import { type CiSystem, presets } from './trust-policy-presets.js';

/** What the pipeline configuration is made from. */
export interface PipelineInput {
  /** The server's URL, no trailing slash. */
  url: string;
  audience: string;
  org: string;
  project: string;
  /** The policy's conditions: an exact `environment` or branch shows up in the job. */
  claims: Record<string, string>;
}

// A value that may hold anything a person typed goes into YAML as a JSON string, which YAML
// reads as a double-quoted scalar. Keys of organizations and projects need no quoting in YAML
// or in a shell (their patterns allow no space, quote or `$`).
const yaml = (value: string) => JSON.stringify(value);

// https only, redirects included, unless this server is configured on plain http: then the
// configuration says so in the open (docs/ci.md, "Plain http").
function fetchCli(url: string, target: string): [string, string] {
  const proto = url.startsWith('http://') ? 'http' : 'https';
  const base = `curl -fsSL --proto '=${proto}' --url "$ORGTOKEN_URL/cli/orgtoken.mjs`;
  return [
    `${base}" -o ${target}`,
    `echo "$(${base}.sha256" | cut -d' ' -f1)  orgtoken.mjs" | sha256sum -c -`,
  ];
}

/** An exact value (no `*`) of a condition, which the job can name itself. */
function exact(claims: Record<string, string>, claim: string): string | null {
  const value = claims[claim];
  return value && !value.includes('*') ? value : null;
}

function githubTriggers(claims: Record<string, string>): string {
  const ref = exact(claims, 'ref');
  if (ref?.startsWith('refs/heads/')) {
    // The policy admits one branch: a pull request's run (refs/pull/…) would be refused.
    return `on:\n  push:\n    branches: [${yaml(ref.slice('refs/heads/'.length))}]`;
  }
  return `on:\n  push:\n    branches: [main]\n  # A pull request from a fork gets no identity token.\n  pull_request:`;
}

// The runner gives every step of the job the means to ask for an identity token; these
// variables are removed for the commands that run a repository's dependencies and plugins.
const withoutIdentity = 'env -u ACTIONS_ID_TOKEN_REQUEST_URL -u ACTIONS_ID_TOKEN_REQUEST_TOKEN';

/**
 * A GitHub Actions workflow that uploads with no stored secret: `id-token: write`, and
 * `orgtoken analyze` with no token in its environment, which exchanges the job's identity
 * token itself (docs/ci.md "Secretless CI").
 */
export function githubOidcWorkflow({ url, audience, org, project, claims }: PipelineInput): string {
  const [fetch, check] = fetchCli(url, 'orgtoken.mjs');
  const environment = exact(claims, 'environment');
  return `# .github/workflows/analysis.yml
name: analysis
${githubTriggers(claims)}

jobs:
  analyze:
    runs-on: ubuntu-latest
${environment ? `    environment: ${yaml(environment)}\n` : ''}    permissions:
      contents: read
      # The job may ask GitHub for its identity token, which orgtoken exchanges for a
      # token that lasts minutes: there is no secret to store or rotate.
      id-token: write
    env:
      ORGTOKEN_URL: ${yaml(url)}
${audience === url ? '' : `      ORGTOKEN_OIDC_AUDIENCE: ${yaml(audience)}\n`}    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
      # Install scripts and the linter's plugins get no way to ask for the identity token.
      - run: ${withoutIdentity} npm ci
      - name: Fetch the orgtoken CLI from the server and check its SHA-256
        working-directory: \${{ runner.temp }}
        run: |
          ${fetch}
          ${check}
      - name: Lint into SARIF
        run: ${withoutIdentity} npx eslint . --format @microsoft/eslint-formatter-sarif --output-file results.sarif || true
      - name: Upload the analysis; fails on a failed quality gate
        # No token here: orgtoken analyze exchanges the job's identity token for one.
        env:
          BRANCH: \${{ github.head_ref || github.ref_name }}
          COMMIT: \${{ github.event.pull_request.head.sha || github.sha }}
        run: >
          node "$RUNNER_TEMP/orgtoken.mjs" analyze --org ${org} --project ${project}
          --sarif results.sarif --branch "$BRANCH" --commit "$COMMIT"
`;
}

/**
 * A GitLab CI job that uploads with no stored secret: `id_tokens` puts a JWT for the
 * policy's audience in ORGTOKEN_ID_TOKEN, which `orgtoken analyze` exchanges (docs/ci.md
 * "Secretless CI").
 */
export function gitlabOidcJob({ url, audience, org, project, claims }: PipelineInput): string {
  const [fetch, check] = fetchCli(url, '/tmp/orgtoken.mjs');
  const environment = exact(claims, 'environment');
  return `# .gitlab-ci.yml
orgtoken-analysis:
  image: node:22
${environment ? `  environment: ${yaml(environment)}\n` : ''}  id_tokens:
    ORGTOKEN_ID_TOKEN:
      aud: ${yaml(audience)}
  variables:
    ORGTOKEN_URL: ${yaml(url)}
  # GitLab gives the identity token to every command: env -u keeps it from npm ci's install
  # scripts and the linter's plugins, so that only orgtoken analyze exchanges it.
  script:
    - env -u ORGTOKEN_ID_TOKEN npm ci
    - ${fetch}
    - (cd /tmp && ${check})
    - env -u ORGTOKEN_ID_TOKEN npx eslint . --format @microsoft/eslint-formatter-sarif --output-file results.sarif || true
    - >
      node /tmp/orgtoken.mjs analyze --org ${org} --project ${project} --sarif results.sarif
      --branch "$CI_COMMIT_REF_NAME" --commit "$CI_COMMIT_SHA"
  artifacts:
    when: always
    paths: [results.sarif]
`;
}

function SnippetBody({ title, text }: { title: string; text: string }) {
  return (
    <>
      <pre className="snippet-text">
        <code>{text}</code>
      </pre>
      <CopyButton
        text={text}
        label={`Copy the ${title} configuration`}
        refusedHint="select the text above and copy it by hand."
      />
    </>
  );
}

/**
 * How a pipeline uses the policy: for GitHub Actions and GitLab CI the configuration to
 * paste, for another issuer where the CLI takes the CI's token. Folded (on a policy's page)
 * it opens under its heading.
 */
export function PipelineSnippet({
  system,
  input,
  folded,
}: {
  system: CiSystem;
  input: PipelineInput;
  folded?: boolean;
}) {
  const [open, setOpen] = useState(false);
  if (system === 'custom') {
    return (
      <section aria-labelledby="pipeline-title" className="ci-setup">
        <h2 id="pipeline-title">Use it in a pipeline</h2>
        <p>
          Request the CI's identity token for the audience <code>{input.audience}</code> and give it
          to the <code>orgtoken analyze</code> step as <code>ORGTOKEN_ID_TOKEN</code>, with{' '}
          <code>ORGTOKEN_URL</code> set to <code className="server-url">{input.url}</code> and no
          other token: the CLI exchanges it for one that lasts minutes.
        </p>
      </section>
    );
  }
  const title = presets[system].label;
  const text = system === 'github' ? githubOidcWorkflow(input) : gitlabOidcJob(input);
  const intro =
    system === 'github' ? (
      <p>
        No secret to store: the job's <code>id-token: write</code> permission lets{' '}
        <code>orgtoken analyze</code> exchange its identity token for a token that lasts minutes. It
        needs Node.js 20 or later and fetches the CLI from this server.
      </p>
    ) : (
      <p>
        No secret to store: <code>id_tokens</code> gives the job a token for this audience in{' '}
        <code>ORGTOKEN_ID_TOKEN</code>, which <code>orgtoken analyze</code> exchanges for a token
        that lasts minutes.
      </p>
    );
  if (!folded) {
    return (
      <section aria-labelledby="pipeline-title" className="ci-setup">
        <h2 id="pipeline-title">Paste into your pipeline: {title}</h2>
        {intro}
        <SnippetBody title={title} text={text} />
      </section>
    );
  }
  return (
    <section aria-labelledby="pipeline-title" className="ci-setup">
      <h2 id="pipeline-title">Use it in a pipeline</h2>
      {intro}
      <Disclosure className="snippet" isExpanded={open} onExpandedChange={setOpen}>
        <Heading level={3} className="snippet-title">
          <Button slot="trigger" className="button button-quiet snippet-trigger">
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {title}
          </Button>
        </Heading>
        <DisclosurePanel>
          <SnippetBody title={title} text={text} />
        </DisclosurePanel>
      </Disclosure>
    </section>
  );
}
