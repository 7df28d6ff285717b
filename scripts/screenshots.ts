/**
 * `npm run screenshots`: the main pages of the web UI, in real Chromium against a real server
 * process with example data, written to docs/screenshots/ (the README shows them).
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { launchBrowser, people, signInThroughPage, startUiWorld } from '../test/helpers/browser.js';
import { startOidcIssuer } from '../test/helpers/oidc-issuer.js';
import { lintFixture } from '../test/helpers/reports.js';

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

// The server process inherits this environment: webhooks may go to the receiver below, on
// 127.0.0.1, and the outbox runs every second, so that deliveries show up at once.
process.env.ORGTOKEN_WEBHOOK_ALLOW_INSECURE = 'true';
process.env.ORGTOKEN_JOBS_INTERVAL_SECONDS = '1';
// The world's database goes under a temporary directory of its own, where the script finds
// it: a stale token needs months without use, so one is aged in the database file.
const worldDir = mkdtempSync(join(tmpdir(), 'orgtoken-screens-'));
process.env.TMPDIR = worldDir;

/** A webhook receiver: 204 on /ok, 503 on anything else (retried, with its next attempt). */
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(request.url === '/ok' ? 204 : 503).end());
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

// A CI's OpenID Connect issuer on 127.0.0.1, which the server may reach over http: its
// tokens are checked against a trust policy and exchanged, so that exchanges are listed.
const issuer = await startOidcIssuer();
process.env.ORGTOKEN_OIDC_INSECURE_ISSUERS = issuer.issuer;

const world = await startUiWorld();
const browser = await launchBrowser();
try {
  const { admin, server } = world;
  const create = async (body: Record<string, unknown>) => {
    const response = await admin.call('POST', '/api/v1/orgs/acme/tokens', {
      permissions: ['analysis:execute'],
      ...body,
    });
    if (response.status !== 201) throw new Error(JSON.stringify(response.body));
    return response.body as { id: string; token: string };
  };
  const inDays = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString();
  const ci = await create({
    name: 'GitHub Actions — backend',
    description: 'Uploads ESLint results of the backend services on every push.',
    projects: { mode: 'selected', keys: ['backend-api', 'backend-worker'] },
    expiresAt: inDays(90),
  });
  await create({
    name: 'GitLab CI — docs',
    projects: { mode: 'selected', keys: ['docs-site'], patterns: ['docs-*'] },
    expiresAt: inDays(5),
  });
  await create({
    name: 'Release pipeline',
    permissions: ['analysis:execute', 'project:browse', 'project:provision'],
    projects: { mode: 'all' },
    expiresAt: null,
  });
  const old = await create({
    name: 'Jenkins (retired)',
    projects: { mode: 'selected', keys: ['web-frontend'] },
    expiresAt: inDays(30),
  });
  await admin.call('DELETE', `/api/v1/orgs/acme/tokens/${old.id}`);
  const dusty = await create({
    name: 'Nightly import (old)',
    projects: { mode: 'selected', keys: ['backend-worker'] },
    expiresAt: inDays(200),
  });
  const [worldDb] = readdirSync(worldDir).filter((name) => name.startsWith('orgtoken-ui-'));
  if (!worldDb) throw new Error(`no world database under ${worldDir}`);
  const db = new Database(join(worldDir, worldDb, 'ui.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('update tokens set created_at = ? where id = ?').run(inDays(-120), dusty.id);
  } finally {
    db.close();
  }

  // Webhooks: one that answers, and one whose receiver fails (retried, with its next attempt).
  const hook = async (body: Record<string, unknown>) => {
    const response = await admin.call('POST', '/api/v1/orgs/acme/webhooks', body);
    if (response.status !== 201) throw new Error(JSON.stringify(response.body));
    return response.body as { id: string; url: string };
  };
  const chat = await hook({
    url: `${receiverUrl}/ok`,
    events: ['token.expiring', 'token.expired', 'token.leaked'],
    description: 'Posts to the #pipelines channel',
  });
  const flaky = await hook({ url: `${receiverUrl}/flaky`, events: ['*'] });
  for (const id of [chat.id, chat.id, flaky.id]) {
    await admin.call('POST', `/api/v1/orgs/acme/webhooks/${id}/ping`);
  }

  // A free organization (the plan gate in sight) and one downgraded after its tokens were made
  // (suspended tokens, with the plan that restores them).
  for (const [key, name, plan] of [
    ['freeco', 'Free Co', 'free'],
    ['downco', 'Down Co', 'team'],
  ] as const) {
    await admin.call('POST', '/api/v1/orgs', { key, name, plan });
    await admin.call('PUT', `/api/v1/orgs/${key}/members/${world.adminId}`, { role: 'admin' });
  }
  for (const name of ['GitHub Actions — app', 'Nightly scan']) {
    const made = await admin.call('POST', '/api/v1/orgs/downco/tokens', {
      name,
      permissions: ['analysis:execute'],
      projects: { mode: 'all' },
      expiresAt: inDays(60),
    });
    if (made.status !== 201) throw new Error(JSON.stringify(made.body));
  }
  await admin.call('PATCH', '/api/v1/orgs/downco', { plan: 'free' });

  // A real analysis, uploaded with the CI token: ESLint's SARIF of the test fixture.
  const reports = await lintFixture();
  const upload = await fetch(
    `${server.url}/api/v1/orgs/acme/projects/backend-api/analyses?format=sarif&branch=main&commit=4f2c9e1d7a3b`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${ci.token}`, 'content-type': 'application/json' },
      body: reports.eslintSarif,
    },
  );
  if (upload.status !== 201) throw new Error(`upload: ${upload.status}`);
  for (let i = 0; i < 4; i++) {
    await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${ci.token}` } });
  }
  // Usage reaches the list at the next flush (every second in this world).
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const shoot = async (name: string, fullPage = true) => {
    await page.screenshot({ path: `${out}${name}.png`, fullPage });
    console.log(`docs/screenshots/${name}.png`);
  };
  const go = async (path: string, heading: string | RegExp, target: Page = page) => {
    await target.goto(`${server.url}${path}`);
    await target.getByRole('heading', { name: heading, level: 1 }).waitFor();
  };

  await page.goto(`${server.url}/signin`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shoot('sign-in', false);
  await signInThroughPage(page, people.admin);
  await page.getByRole('heading', { name: 'Organizations' }).waitFor();

  await go('/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
  await page
    .getByRole('img', { name: /uses in the last 30 days/ })
    .first()
    .waitFor();
  await shoot('tokens');

  await go('/orgs/acme/admin/tokens/new', 'Create token');
  await page.getByLabel('Name', { exact: true }).fill('Azure Pipelines — web');
  await page.getByLabel('Search projects').fill('web');
  await page
    .getByRole('checkbox', { name: /web frontend/ })
    .locator('xpath=ancestor::label[1]')
    .click();
  await shoot('create-token');
  await page.getByRole('button', { name: 'Generate token' }).click();
  await page.getByLabel('Token secret').waitFor();
  await shoot('token-secret', false);
  await page.getByRole('button', { name: /GitHub Actions/ }).click();
  await page.getByRole('heading', { name: 'Use it in a pipeline' }).scrollIntoViewIfNeeded();
  await shoot('ci-snippets');

  await go('/orgs/freeco/admin/tokens', 'Scoped Organization Tokens');
  await shoot('free-plan', false);
  await go('/orgs/downco/admin/tokens', 'Scoped Organization Tokens');
  await page.getByText('Suspended: needs Team').first().waitFor();
  await shoot('suspended-tokens', false);

  await go(`/orgs/acme/admin/tokens/${ci.id}`, /GitHub Actions/);
  await shoot('token-details');
  await page.getByRole('button', { name: 'Revoke…' }).click();
  await page.getByRole('alertdialog').waitFor();
  await shoot('revoke-confirmation', false);
  await page.keyboard.press('Escape');

  // Notifications, webhooks, the rotate dialog of an email's link, stale tokens.
  await go('/orgs/acme/admin/notifications', 'Notifications');
  await page.getByRole('list', { name: 'Warnings before expiry' }).waitFor();
  await shoot('notifications');
  await go(`/orgs/acme/admin/webhooks/${chat.id}`, 'Webhooks');
  const deliveries = page.getByRole('table', { name: /Deliveries to/ });
  await deliveries.getByText('Delivered').nth(1).waitFor();
  await shoot('webhooks');
  await go(`/orgs/acme/admin/webhooks/${flaky.id}`, 'Webhooks');
  // The first retry comes 5 s after the first attempt; the next one waits 5 minutes. The
  // receiver gets every event (the test event and those of the tokens above), so several
  // deliveries may be retried by now.
  await deliveries
    .getByRole('cell', { name: '2', exact: true })
    .first()
    .waitFor({ timeout: 30_000 });
  await shoot('webhook-retrying');
  await page.getByLabel('Payload URL').fill('https://hooks.example.com/orgtoken');
  await page.getByLabel('Description (optional)').fill('Incident tracker');
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await page.getByLabel('Webhook signing secret').waitFor();
  await page.getByRole('heading', { name: /Signing secret of/ }).scrollIntoViewIfNeeded();
  await shoot('webhook-secret', false);
  await go(`/orgs/acme/admin/tokens/${ci.id}?rotate=1`, /GitHub Actions/);
  const rotate = page.getByRole('alertdialog');
  await rotate
    .getByRole('radio', { name: 'Until the new secret is first used' })
    .locator('xpath=ancestor::label[1]')
    .click();
  await rotate.getByText('The current secret stops at the first successful use').waitFor();
  await shoot('rotate-first-use', false);
  await page.keyboard.press('Escape');
  await go('/orgs/acme/admin/tokens?stale=true', 'Scoped Organization Tokens');
  await page.getByText('Stale', { exact: true }).first().waitFor();
  await shoot('stale-tokens', false);

  // Secretless CI: trust policies for GitHub Actions (the local issuer, which signs GitHub's
  // claims, so that runs exchange tokens), GitLab.com, and one that matches a name only.
  const trust = async (body: Record<string, unknown>) => {
    const response = await admin.call('POST', '/api/v1/orgs/acme/trust-policies', {
      permissions: ['analysis:execute'],
      ...body,
    });
    if (response.status !== 201) throw new Error(JSON.stringify(response.body));
    return response.body as { id: string; name: string };
  };
  const ledger = await trust({
    name: 'ledger-api production',
    issuer: issuer.issuer,
    audience: server.url,
    claims: {
      repository_owner_id: '5820147',
      repository_id: '730215588',
      ref: 'refs/heads/main',
      environment: 'production',
    },
    projects: { mode: 'selected', keys: ['backend-api'] },
  });
  await trust({
    name: 'tide-service protected branches',
    issuer: 'https://gitlab.com',
    audience: server.url,
    claims: { namespace_id: '4412', project_id: '88231', ref_protected: 'true' },
    projects: { mode: 'selected', keys: ['backend-worker'] },
    ttlSeconds: 600,
  });
  await trust({
    name: 'web-frontend pull requests',
    issuer: 'https://token.actions.githubusercontent.com',
    audience: server.url,
    claims: { repository: 'lumen-works/web-frontend', ref: 'refs/pull/*/merge' },
    projects: { mode: 'selected', keys: ['web-frontend'] },
  });
  const ciToken = (claims: Record<string, unknown>) =>
    issuer.sign(issuer.githubClaims({ aud: server.url, environment: 'production', ...claims }));
  const minted: string[] = [];
  for (const runId of ['8811223344', '8811229012', '8811235577']) {
    const response = await fetch(`${server.url}/api/v1/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'acme', token: await ciToken({ run_id: runId }) }),
    });
    if (response.status !== 201) throw new Error(`exchange: ${response.status}`);
    minted.push(((await response.json()) as { token: string }).token);
  }
  const exchanges = await admin.call(
    'GET',
    `/api/v1/orgs/acme/trust-policies/${ledger.id}/exchanges`,
  );
  const oldest = (exchanges.body.items as { id: string }[]).at(-1);
  await admin.call(
    'DELETE',
    `/api/v1/orgs/acme/trust-policies/${ledger.id}/exchanges/${oldest?.id}`,
  );
  await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${minted[2]}` } });

  await go('/orgs/acme/admin/trust-policies', 'Secretless CI');
  await page.getByRole('link', { name: 'ledger-api production' }).waitFor();
  await shoot('trust-policies');
  await go('/orgs/acme/admin/trust-policies/new', 'Add a trust policy');
  await page.getByLabel('Name', { exact: true }).fill('ledger-api production');
  await page.getByLabel('repository_owner_id', { exact: true }).fill('5820147');
  await page.getByLabel('repository', { exact: true }).fill('lumen-works/ledger-api');
  await page.getByLabel('ref', { exact: true }).fill('refs/heads/main');
  await page.getByLabel('environment', { exact: true }).fill('production');
  await page
    .getByRole('checkbox', { name: /backend api/ })
    .locator('xpath=ancestor::label[1]')
    .click();
  await page.getByText('repository can be renamed').waitFor();
  await shoot('trust-policy-github');
  await go(`/orgs/acme/admin/trust-policies/${ledger.id}`, 'ledger-api production');
  await page
    .getByRole('table', { name: /Tokens minted under/ })
    .getByText('Revoked')
    .waitFor();
  await page
    .getByLabel('CI identity token (JWT)')
    .fill(await ciToken({ repository_owner_id: '7700001', ref: 'refs/heads/feature-x' }));
  await page.getByRole('button', { name: 'Check token', exact: true }).click();
  await page.getByRole('table', { name: 'Conditions of the policy against the token' }).waitFor();
  await shoot('trust-policy');

  await go('/orgs/acme/projects/backend-api', /backend api/);
  await page.getByRole('heading', { name: /Issues of the analysis/ }).waitFor();
  await page.getByRole('table', { name: 'Issues' }).waitFor();
  await shoot('project');
  await go('/orgs/acme/admin/members', 'Members');
  await shoot('members');
  await go('/orgs/acme/admin/audit', 'Audit log');
  await page.getByRole('cell', { name: 'token.revoked' }).first().waitFor();
  await shoot('audit-log');
  await go('/account/tokens', 'My account');
  await shoot('my-account');

  // The same pages on a phone, and in dark mode.
  await page.setViewportSize({ width: 390, height: 844 });
  await go('/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
  await shoot('phone-tokens');
  await page.emulateMedia({ colorScheme: 'dark' });
  await go('/orgs/acme/admin/members', 'Members');
  await shoot('phone-dark-members');
  await page.setViewportSize({ width: 1280, height: 800 });
  await go('/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
  await shoot('dark-tokens');
} finally {
  await browser.close();
  await world.stop();
  await new Promise((resolve) => receiver.close(resolve));
  await issuer.close();
}
