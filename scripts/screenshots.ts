/**
 * `npm run screenshots`: the main pages of the web UI, in real Chromium against a real server
 * process with example data, written to docs/screenshots/ (the README shows them).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, people, signInThroughPage, startUiWorld } from '../test/helpers/browser.js';
import { lintFixture } from '../test/helpers/reports.js';

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

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

  await go('/orgs/acme/projects/backend-api', /backend api/);
  await page.getByRole('heading', { name: /Issues of the analysis/ }).waitFor();
  await page.getByRole('table', { name: 'Issues' }).waitFor();
  await shoot('project');
  await go('/orgs/acme/admin/members', 'Members');
  await shoot('members');
  await go('/orgs/acme/admin/audit', 'Audit log');
  await page.getByRole('cell', { name: 'token.revoked' }).waitFor();
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
}
