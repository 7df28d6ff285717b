import { useState } from 'react';
import { Button, Disclosure, DisclosurePanel, Heading } from 'react-aria-components';
import { api } from '../api/client.js';
import { useLoad } from '../hooks/use-load.js';
import { CopyButton } from './copy-button.js';

/** Shown where the token's scope names no one project for the snippets to use. */
export const projectPlaceholder = 'YOUR-PROJECT-KEY';

interface SnippetInput {
  /** The server's URL, no trailing slash. */
  url: string;
  org: string;
  project: string;
}

// https only, redirects included, unless this server is configured on plain http: then the
// snippet says so in the open (docs/ci.md, "Plain http").
function curlProtocol(url: string): 'https' | 'http' {
  return url.startsWith('http://') ? 'http' : 'https';
}

// The steps of docs/ci.md: fetch the CLI from this server, check its SHA-256, lint into
// SARIF, upload. Keys of organizations and projects need no quoting in YAML or in a shell
// (their patterns allow no space, quote or `$`); the URL is quoted, since it is configured.
export function githubActionsWorkflow({ url, org, project }: SnippetInput): string {
  const proto = curlProtocol(url);
  return `# .github/workflows/analysis.yml
name: analysis
on:
  push:
    branches: [main]
  pull_request:

jobs:
  analyze:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    env:
      ORGTOKEN_URL: ${JSON.stringify(url)}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
      - run: npm ci
      - name: Fetch the orgtoken CLI from the server and check its SHA-256
        working-directory: \${{ runner.temp }}
        run: |
          curl -fsSL --proto '=${proto}' --url "$ORGTOKEN_URL/cli/orgtoken.mjs" -o orgtoken.mjs
          echo "$(curl -fsSL --proto '=${proto}' --url "$ORGTOKEN_URL/cli/orgtoken.mjs.sha256" | cut -d' ' -f1)  orgtoken.mjs" | sha256sum -c -
      - name: Lint into SARIF
        run: npx eslint . --format @microsoft/eslint-formatter-sarif --output-file results.sarif || true
      - name: Upload the analysis; fails on a failed quality gate
        # The token only here: npm ci runs install scripts, the linter runs plugins.
        env:
          SONAR_TOKEN: \${{ secrets.SONAR_TOKEN }}
          BRANCH: \${{ github.head_ref || github.ref_name }}
          COMMIT: \${{ github.event.pull_request.head.sha || github.sha }}
        run: >
          node "$RUNNER_TEMP/orgtoken.mjs" analyze --org ${org} --project ${project}
          --sarif results.sarif --branch "$BRANCH" --commit "$COMMIT"
`;
}

export function gitlabCiJob({ url, org, project }: SnippetInput): string {
  const proto = curlProtocol(url);
  return `# .gitlab-ci.yml
orgtoken-analysis:
  image: node:22
  variables:
    ORGTOKEN_URL: ${JSON.stringify(url)}
  # GitLab gives the token to every command: env -u keeps it from npm ci's install scripts
  # and the linter's plugins, so that only orgtoken analyze runs with it.
  script:
    - env -u ORGTOKEN_TOKEN -u SONAR_TOKEN npm ci
    - curl -fsSL --proto '=${proto}' --url "$ORGTOKEN_URL/cli/orgtoken.mjs" -o /tmp/orgtoken.mjs
    - (cd /tmp && echo "$(curl -fsSL --proto '=${proto}' --url "$ORGTOKEN_URL/cli/orgtoken.mjs.sha256" | cut -d' ' -f1)  orgtoken.mjs" | sha256sum -c -)
    - env -u ORGTOKEN_TOKEN -u SONAR_TOKEN npx eslint . --format @microsoft/eslint-formatter-sarif --output-file results.sarif || true
    - >
      node /tmp/orgtoken.mjs analyze --org ${org} --project ${project} --sarif results.sarif
      --branch "$CI_COMMIT_REF_NAME" --commit "$CI_COMMIT_SHA"
  artifacts:
    when: always
    paths: [results.sarif]
`;
}

function Snippet({ title, text }: { title: string; text: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Disclosure className="snippet" isExpanded={open} onExpandedChange={setOpen}>
      <Heading level={3} className="snippet-title">
        <Button slot="trigger" className="button button-quiet snippet-trigger">
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> {title}
        </Button>
      </Heading>
      <DisclosurePanel>
        <pre className="snippet-text">
          <code>{text}</code>
        </pre>
        <CopyButton
          text={text}
          label={`Copy the ${title} configuration`}
          refusedHint="select the text above and copy it by hand."
        />
      </DisclosurePanel>
    </Disclosure>
  );
}

/**
 * How to use a new organization token in a pipeline: the secret's name, this server's URL
 * (ORGTOKEN_PUBLIC_URL, else the address the page came from), and GitHub Actions and GitLab CI
 * configurations that fetch the CLI from this server and check its checksum (docs/ci.md).
 * The configurations start folded, so the secret stays the one thing on the screen to copy.
 */
export function CiSetup({ org, project }: { org: string; project: string }) {
  const info = useLoad(() => api.serverInfo(), []);
  if (info.loading && !info.data) return null;
  const url = info.data?.publicUrl ?? window.location.origin;
  const input = { url, org, project };
  return (
    <section aria-labelledby="ci-setup-title" className="ci-setup">
      <h2 id="ci-setup-title">Use it in a pipeline</h2>
      <p>
        Store the secret in your CI system's secret store as <code>SONAR_TOKEN</code>, the name
        SonarScanner reads too (so a pipeline set up for a scanner needs no new secret), or as{' '}
        <code>ORGTOKEN_TOKEN</code>. Set the server's URL as the plain variable{' '}
        <code>ORGTOKEN_URL</code>.
      </p>
      <dl className="details">
        <dt>Server URL</dt>
        <dd>
          <code className="server-url">{url}</code>
        </dd>
      </dl>
      <p>
        The pipeline fetches the CLI from this server and checks its SHA-256 before running it; it
        needs Node.js 20 or later and no package from a registry.
        {project === projectPlaceholder && (
          <>
            {' '}
            Replace <code>{projectPlaceholder}</code> with the key of a project in the token's
            scope.
          </>
        )}
      </p>
      <Snippet title="GitHub Actions" text={githubActionsWorkflow(input)} />
      <Snippet title="GitLab CI" text={gitlabCiJob(input)} />
    </section>
  );
}
