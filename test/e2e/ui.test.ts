import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  browserStepTimeoutMs,
  browserTestTimeoutMs,
  describeWithBrowser,
  launchBrowser,
  people,
  seriousAccessibilityFindings,
  signInThroughPage,
  startUiWorld,
  type UiWorld,
} from '../helpers/browser.js';
import { lintFixture } from '../helpers/reports.js';
import { startServerProcess } from '../helpers/server-process.js';

const dayMs = 24 * 3600 * 1000;
const secretPattern = /^oto_[0-9A-Za-z]+$/;

describeWithBrowser('web UI in Chromium against a real server process', () => {
  let world: UiWorld;
  let browser: Browser;
  let admin: Page;
  /** Every state-changing API request the pages made, and whether it carried the CSRF header. */
  const mutations: { method: string; path: string; csrf: boolean }[] = [];

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: world.server.url,
    });
    const page = await context.newPage();
    // Fails a step with the locator it waited for, well before the test's own timeout.
    page.setDefaultTimeout(browserStepTimeoutMs);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!url.pathname.startsWith('/api/') || request.method() === 'GET') return;
      mutations.push({
        method: request.method(),
        path: url.pathname,
        csrf: Boolean(request.headers()['x-csrf-token']),
      });
    });
    return { context, page };
  }

  /** axe-core on the page as it is: a serious or critical finding fails the test. */
  async function expectAccessible(page: Page, what: string): Promise<void> {
    const findings = await seriousAccessibilityFindings(page);
    expect(findings, `accessibility of ${what}`).toEqual([]);
  }

  async function go(page: Page, path: string, heading: string | RegExp): Promise<void> {
    await page.goto(`${world.server.url}${path}`);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  }

  /** Presses Tab until `target` has the focus: proof that the keyboard reaches it. */
  async function tabTo(page: Page, target: Locator, limit = 80): Promise<void> {
    for (let presses = 0; presses < limit; presses++) {
      if (await target.evaluate((element) => element === element.ownerDocument.activeElement))
        return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${target}`);
  }

  function call(path: string, secret: string): Promise<Response> {
    return fetch(`${world.server.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  }

  async function apiToken(name: string) {
    const list = await world.admin.call(
      'GET',
      `/api/v1/orgs/acme/tokens?q=${encodeURIComponent(name)}`,
    );
    const token = (list.body.items as { name: string }[]).find((item) => item.name === name);
    if (!token) throw new Error(`no token named ${name}`);
    return token as {
      id: string;
      name: string;
      expiresAt: string | null;
      projects: { mode: string; keys?: string[]; patterns?: string[] };
      permissions: string[];
      status: string;
    };
  }

  /**
   * Clicks a radio button's or checkbox's label, as a person does: react-aria keeps the
   * native input visually hidden, with the visible mark drawn beside it.
   */
  async function toggle(choice: Locator): Promise<void> {
    await choice.locator('xpath=ancestor::label[1]').click();
  }

  function row(page: Page, name: string): Locator {
    return page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
  }

  /** Fills the create form's name and submits; the expiration and scope are set by the caller. */
  async function generate(page: Page): Promise<string> {
    await page.getByRole('button', { name: 'Generate token' }).click();
    const secret = await page.getByLabel('Token secret').inputValue();
    expect(secret).toMatch(secretPattern);
    await page.getByText('Store it securely: it will not be shown again.').waitFor();
    return secret;
  }

  async function openCreateForm(page: Page): Promise<void> {
    await go(page, '/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
    await page.getByRole('link', { name: 'Create token' }).click();
    await page.getByRole('heading', { name: 'Create token' }).waitFor();
  }

  /** Clicks `button` in the table row named by `row`, and waits for its confirmation dialog. */
  async function openRowDialog(page: Page, row: RegExp, button: string): Promise<Locator> {
    await page.getByRole('row', { name: row }).getByRole('button', { name: button }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    return dialog;
  }

  beforeAll(async () => {
    world = await startUiWorld();
    browser = await launchBrowser();
    admin = (await newPage()).page;
  }, browserTestTimeoutMs);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('sends a signed-out person to sign in, then back to the page they asked for', async () => {
    await admin.goto(`${world.server.url}/orgs/acme/admin/tokens`);
    await admin.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(admin.url()).searchParams.get('next')).toBe('/orgs/acme/admin/tokens');
    await expectAccessible(admin, 'the sign-in page');

    await signInThroughPage(admin, { email: people.admin.email, password: 'wrong-password-1' });
    await admin
      .getByRole('alert')
      .filter({ hasText: /email or password/i })
      .waitFor();

    await signInThroughPage(admin, people.admin);
    await admin.getByRole('heading', { name: 'Scoped Organization Tokens' }).waitFor();
    expect(new URL(admin.url()).pathname).toBe('/orgs/acme/admin/tokens');
    await expectAccessible(admin, 'the empty token list');
    expect(await admin.title()).toBe('Scoped Organization Tokens · Acme Corp · orgtoken');
  });

  it('creates a token with a custom date and chosen projects: the secret once, with a copy button', async () => {
    await openCreateForm(admin);
    await expectAccessible(admin, 'the create form');
    await admin.getByLabel('Name', { exact: true }).fill('CI backend');
    await admin.getByLabel('Description (optional)').fill('GitHub Actions of the backend');
    await toggle(admin.getByRole('radio', { name: 'Custom date' }));
    const day = new Date(Date.now() + 45 * dayMs).toISOString().slice(0, 10);
    await admin.getByLabel('Expiration date').fill(day);
    // The searchable multi-select: search narrows the list, choices survive the search.
    await admin.getByLabel('Search projects').fill('backend');
    expect(await admin.getByRole('checkbox', { name: /web frontend/ }).count()).toBe(0);
    await toggle(admin.getByRole('checkbox', { name: /backend api/ }));
    await toggle(admin.getByRole('checkbox', { name: /backend worker/ }));
    await toggle(admin.getByRole('checkbox', { name: /project:browse/ }));
    await expectAccessible(admin, 'the filled create form');

    const secret = await generate(admin);
    await expectAccessible(admin, 'the secret');
    await admin.getByRole('button', { name: 'Copy' }).click();
    await admin.getByText('Copied to the clipboard.').waitFor();
    expect(await admin.evaluate('navigator.clipboard.readText()')).toBe(secret);

    const token = await apiToken('CI backend');
    expect(token.expiresAt).toBe(`${day}T23:59:59.999Z`);
    expect(token.projects).toEqual({
      mode: 'selected',
      keys: ['backend-api', 'backend-worker'],
      patterns: [],
    });
    expect(token.permissions.sort()).toEqual(['analysis:execute', 'project:browse']);

    // Shown once: the list and the details never show it again.
    await admin.getByRole('link', { name: 'Done' }).click();
    await row(admin, 'CI backend').waitFor();
    expect(await admin.content()).not.toContain(secret);
    // Not used yet.
    expect(await row(admin, 'CI backend').getByRole('cell').nth(2).textContent()).toBe('Never');
    await go(admin, `/orgs/acme/admin/tokens/${token.id}`, /CI backend/);
    expect(await admin.content()).not.toContain(secret);
    await expectAccessible(admin, 'the token details');

    // Using the secret makes "last used" appear in the list (usage is flushed every second).
    const response = await call('/api/v1/me', secret);
    expect(response.status).toBe(200);
    await go(admin, '/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
    const lastUsed = row(admin, 'CI backend').getByRole('cell').nth(2);
    // Waits for the flush however slow the machine is; the suite's timeout bounds it.
    const deadline = Date.now() + browserStepTimeoutMs;
    while (Date.now() < deadline && (await lastUsed.textContent()) === 'Never') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.reload();
      await row(admin, 'CI backend').waitFor();
    }
    expect(await lastUsed.textContent()).toMatch(/now|second|minute/);
    const usage = row(admin, 'CI backend').getByRole('img', { name: /in the last 30 days/ });
    expect(await usage.getAttribute('aria-label')).toBe('1 use in the last 30 days');
  });

  it('offers every expiration, warns about none, and scopes to all current and future projects', async () => {
    const expected: [string, string, number | null][] = [
      ['30 days', 'exp 30', 30],
      ['90 days', 'exp 90', 90],
      ['1 year', 'exp 365', 365],
    ];
    for (const [choice, name, days] of expected) {
      await openCreateForm(admin);
      await admin.getByLabel('Name', { exact: true }).fill(name);
      await toggle(admin.getByRole('radio', { name: choice }));
      await toggle(admin.getByRole('checkbox', { name: /docs site/ }));
      const before = Date.now();
      await generate(admin);
      const token = await apiToken(name);
      const lifetime = Date.parse(token.expiresAt ?? '') - before;
      expect(Math.abs(lifetime - (days ?? 0) * dayMs)).toBeLessThan(60_000);
    }

    await openCreateForm(admin);
    await admin.getByLabel('Name', { exact: true }).fill('release pipeline');
    await toggle(admin.getByRole('radio', { name: 'No expiration' }));
    await admin.getByRole('note').filter({ hasText: 'works until someone revokes it' }).waitFor();
    await toggle(admin.getByRole('radio', { name: 'All current and future projects' }));
    expect(await admin.getByLabel('Search projects').count()).toBe(0);
    await expectAccessible(admin, 'the no-expiration warning');
    await generate(admin);
    const forever = await apiToken('release pipeline');
    expect(forever.expiresAt).toBeNull();
    expect(forever.projects).toEqual({ mode: 'all' });

    // A custom date in the past is refused in the form, and nothing is created.
    await openCreateForm(admin);
    await admin.getByLabel('Name', { exact: true }).fill('from the past');
    await toggle(admin.getByRole('radio', { name: 'Custom date' }));
    await admin.getByLabel('Expiration date').fill('2020-01-01');
    await toggle(admin.getByRole('checkbox', { name: /docs site/ }));
    await admin.getByRole('button', { name: 'Generate token' }).click();
    await admin.getByText('Choose a date in the future.').first().waitFor();
    const list = await world.admin.call('GET', '/api/v1/orgs/acme/tokens?q=from%20the%20past');
    expect(list.body.items).toEqual([]);
  });

  it('edits the projects of a token from its row actions', async () => {
    await go(admin, '/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
    await admin.getByRole('button', { name: 'Actions for CI backend' }).click();
    await admin.getByRole('menuitem', { name: 'Edit projects' }).click();
    await admin.getByRole('heading', { name: 'Edit “CI backend”' }).waitFor();
    await expectAccessible(admin, 'the edit form');
    await toggle(admin.getByRole('checkbox', { name: /backend worker/ }));
    await toggle(admin.getByRole('checkbox', { name: /web frontend/ }));
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('backend-api, web-frontend').waitFor();
    const token = await apiToken('CI backend');
    expect(token.projects.keys).toEqual(['backend-api', 'web-frontend']);
  });

  it('rotates: the new secret once, the old one stops', async () => {
    const token = await apiToken('exp 30');
    // A fresh secret for this token, so the test knows both the old and the new one.
    const first = await world.admin.call('POST', `/api/v1/orgs/acme/tokens/${token.id}/rotate`, {});
    const old = String(first.body.token);
    expect((await call('/api/v1/me', old)).status).toBe(200);

    await go(admin, `/orgs/acme/admin/tokens/${token.id}`, /exp 30/);
    await admin.getByRole('button', { name: 'Rotate…' }).click();
    const dialog = admin.getByRole('alertdialog');
    await dialog.waitFor();
    await expectAccessible(admin, 'the rotate dialog');
    await dialog.getByRole('button', { name: 'Rotate token' }).click();
    await admin.getByRole('heading', { name: 'New secret' }).waitFor();
    const fresh = await admin.getByLabel('Token secret').inputValue();
    expect(fresh).toMatch(secretPattern);
    expect(fresh).not.toBe(old);
    expect((await call('/api/v1/me', fresh)).status).toBe(200);
    expect((await call('/api/v1/me', old)).status).toBe(401);
    await admin.reload();
    await admin.getByRole('heading', { name: /exp 30/ }).waitFor();
    expect(await admin.content()).not.toContain(fresh);
  });

  it('revokes after confirmation: status revoked, and the secret stops working', async () => {
    const token = await apiToken('exp 90');
    const rotated = await world.admin.call(
      'POST',
      `/api/v1/orgs/acme/tokens/${token.id}/rotate`,
      {},
    );
    const secret = String(rotated.body.token);
    expect((await call('/api/v1/me', secret)).status).toBe(200);

    await go(admin, '/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
    await admin.getByRole('button', { name: 'Actions for exp 90' }).click();
    await admin.getByRole('menuitem', { name: 'Revoke…' }).click();
    const dialog = admin.getByRole('alertdialog');
    await dialog.getByRole('heading', { name: 'Revoke “exp 90”?' }).waitFor();
    await expectAccessible(admin, 'the revoke dialog');
    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await apiToken('exp 90')).status).not.toBe('revoked');

    await admin.getByRole('button', { name: 'Actions for exp 90' }).click();
    await admin.getByRole('menuitem', { name: 'Revoke…' }).click();
    await admin.getByRole('alertdialog').getByRole('button', { name: 'Revoke token' }).click();
    await row(admin, 'exp 90').getByText('Revoked').waitFor();
    expect((await apiToken('exp 90')).status).toBe('revoked');
    const refused = await call('/api/v1/me', secret);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'TOKEN_REVOKED',
    );

    // The status filter finds it.
    await admin.getByRole('button', { name: /All statuses/ }).click();
    await admin.getByRole('option', { name: 'Revoked' }).click();
    // The list shown before the filter stays until the filtered page arrives, and it has the
    // revoked token too: wait for the active one to go, not for the revoked one to be there.
    await row(admin, 'CI backend').waitFor({ state: 'detached' });
    expect(await row(admin, 'exp 90').count()).toBe(1);
  });

  it('creates a token with the keyboard alone', async () => {
    await go(admin, '/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
    await tabTo(admin, admin.getByRole('link', { name: 'Create token' }));
    await admin.keyboard.press('Enter');
    // The name field takes the focus once the form is there.
    const name = admin.getByLabel('Name', { exact: true });
    await name.waitFor();
    await expect
      .poll(() => name.evaluate((element) => element === element.ownerDocument.activeElement))
      .toBe(true);
    await admin.keyboard.type('keyboard only');
    await tabTo(admin, admin.getByRole('radio', { name: '90 days' }));
    await admin.keyboard.press('ArrowUp');
    expect(await admin.getByRole('radio', { name: '30 days' }).isChecked()).toBe(true);
    await tabTo(admin, admin.getByLabel('Search projects'));
    await admin.keyboard.type('docs');
    await tabTo(admin, admin.getByRole('checkbox', { name: /docs site/ }));
    await admin.keyboard.press('Space');
    await tabTo(admin, admin.getByRole('checkbox', { name: /project:browse/ }));
    await admin.keyboard.press('Space');
    await tabTo(admin, admin.getByRole('button', { name: 'Generate token' }));
    await admin.keyboard.press('Enter');
    const secret = await admin.getByLabel('Token secret').inputValue();
    expect(secret).toMatch(secretPattern);
    await tabTo(admin, admin.getByRole('button', { name: 'Copy' }));
    await admin.keyboard.press('Enter');
    await admin.getByText('Copied to the clipboard.').waitFor();

    const token = await apiToken('keyboard only');
    expect(token.projects).toEqual({ mode: 'selected', keys: ['docs-site'], patterns: [] });
    expect(token.permissions.sort()).toEqual(['analysis:execute', 'project:browse']);
    expect(Math.abs(Date.parse(token.expiresAt ?? '') - Date.now() - 30 * dayMs)).toBeLessThan(
      120_000,
    );
  });

  it('shows the other administration pages, projects and my account without accessibility findings', async () => {
    // A real analysis, uploaded with an organization token: ESLint's SARIF of the fixture.
    const created = await world.admin.call('POST', '/api/v1/orgs/acme/tokens', {
      name: 'uploader',
      permissions: ['analysis:execute'],
      projects: { mode: 'all' },
      expiresAt: null,
    });
    const reports = await lintFixture();
    const upload = await fetch(
      `${world.server.url}/api/v1/orgs/acme/projects/backend-api/analyses?format=sarif&branch=main`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${created.body.token}`,
          'content-type': 'application/json',
        },
        body: reports.eslintSarif,
      },
    );
    expect(upload.status).toBe(201);

    await go(admin, '/', 'Organizations');
    await expectAccessible(admin, 'the organizations page');
    await go(admin, '/orgs/acme/projects', 'Projects of Acme Corp');
    await expectAccessible(admin, 'the projects');
    await admin.getByRole('link', { name: 'backend api' }).click();
    await admin.getByRole('heading', { name: /Issues of the analysis/ }).waitFor();
    await admin.getByRole('table', { name: 'Issues' }).waitFor();
    await expectAccessible(admin, 'a project with an analysis');
    await go(admin, '/orgs/acme/admin/members', 'Members');
    await expectAccessible(admin, 'the members');
    await go(admin, '/orgs/acme/admin/policy', 'Token policy');
    await expectAccessible(admin, 'the token policy');
    await go(admin, '/orgs/acme/admin/audit', 'Audit log');
    await admin.getByRole('cell', { name: 'token.revoked' }).waitFor();
    await expectAccessible(admin, 'the audit log');
    await go(admin, '/account/tokens', 'My account');
    await expectAccessible(admin, 'my account');
    await go(admin, '/no/such/page', 'Page not found');
    await expectAccessible(admin, 'the page-not-found page');
    await go(admin, '/orgs/nope/projects', 'Organization not found');
    await expectAccessible(admin, 'an unknown organization');
    await go(admin, '/orgs/acme/admin/members', 'Members');
    await openRowDialog(admin, /Mia Member/, 'Remove');
    await expectAccessible(admin, 'the remove-member dialog');
    await admin.keyboard.press('Escape');
    await admin.getByRole('alertdialog').waitFor({ state: 'detached' });
  });

  it('creates a personal access token on My account, once, and revokes it after confirmation', async () => {
    await go(admin, '/account/tokens', 'My account');
    await admin.getByLabel('Token name').fill('laptop scripts');
    await toggle(admin.getByRole('radio', { name: '30 days' }));
    await admin.getByRole('button', { name: 'Generate token' }).click();
    const secret = await admin.getByLabel('Token secret').inputValue();
    expect(secret).toMatch(/^otu_[0-9A-Za-z]+$/);
    expect((await call('/api/v1/me', secret)).status).toBe(200);
    await admin.getByRole('row', { name: /laptop scripts/ }).waitFor();
    await expectAccessible(admin, 'a new personal access token');

    const dialog = await openRowDialog(admin, /laptop scripts/, 'Revoke');
    await expectAccessible(admin, 'the personal token revoke dialog');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await admin
      .getByRole('row', { name: /laptop scripts/ })
      .getByText('Revoked')
      .waitFor();
    expect((await call('/api/v1/me', secret)).status).toBe(401);
    await admin.reload();
    await admin.getByRole('row', { name: /laptop scripts/ }).waitFor();
    expect(await admin.content()).not.toContain(secret);
  });

  it('creates a personal access token narrowed to one permission and one project', async () => {
    await go(admin, '/account/tokens', 'My account');
    await admin.getByLabel('Token name').fill('upload only');
    await toggle(admin.getByRole('radio', { name: 'Only the permissions and projects I choose' }));
    await admin.getByRole('button', { name: /Any of my organizations/ }).click();
    await admin.getByRole('option', { name: 'Acme Corp' }).click();
    await toggle(admin.getByRole('radio', { name: 'Selected projects' }));
    await toggle(admin.getByRole('checkbox', { name: /backend-api/ }));
    await expectAccessible(admin, 'the narrowed personal token form');
    await admin.getByRole('button', { name: 'Generate token' }).click();
    const secret = await admin.getByLabel('Token secret').inputValue();
    expect(secret).toMatch(/^otu_[0-9A-Za-z]+$/);
    await admin
      .getByRole('row', { name: /upload only/ })
      .getByText('analysis:execute · acme: backend-api')
      .waitFor();
    // The admin's own rights are far wider; the token has only what was chosen.
    const read = await call('/api/v1/orgs/acme/projects/backend-api', secret);
    expect(read.status).toBe(403);
    expect(((await read.json()) as { error: { code: string } }).error.code).toBe(
      'PERMISSION_DENIED',
    );
    expect((await call('/api/v1/orgs/acme/members', secret)).status).toBe(403);
  });

  it('gives a plain member no Administration entry, and a clear page at its address', async () => {
    const { context, page } = await newPage();
    await page.goto(`${world.server.url}/signin`);
    await signInThroughPage(page, people.member);
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    await page.getByRole('link', { name: 'Acme Corp' }).click();
    await page.getByRole('heading', { name: 'Projects of Acme Corp' }).waitFor();
    expect(await page.getByRole('link', { name: 'Projects' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    await expectAccessible(page, 'the projects page of a member');

    await go(page, '/orgs/acme/admin/tokens', 'Administration is for organization admins');
    expect(await page.getByRole('table').count()).toBe(0);
    expect(await page.title()).toBe('Administration · Acme Corp · orgtoken');
    await expectAccessible(page, 'the page a member gets for Administration');
    await context.close();
  });

  it('returns a person whose session ended to sign-in, and back where they were', async () => {
    const { context, page } = await newPage();
    await page.goto(`${world.server.url}/signin`);
    await signInThroughPage(page, people.admin);
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    await page.getByRole('link', { name: 'Acme Corp' }).click();
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Scoped Organization Tokens' }).waitFor();

    // The server ends the session (as expiry does) while the browser still holds the cookie.
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const session = (await (
      await fetch(`${world.server.url}/api/v1/session`, { headers: { cookie } })
    ).json()) as { csrfToken: string };
    const ended = await fetch(`${world.server.url}/api/v1/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(ended.status).toBe(204);

    await page.getByLabel('Search by name').fill('CI');
    await page.getByText('Your session ended').waitFor();
    expect(new URL(page.url()).pathname).toBe('/signin');
    await expectAccessible(page, 'the sign-in page after the session ended');
    await signInThroughPage(page, people.admin);
    await page.getByRole('heading', { name: 'Scoped Organization Tokens' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/orgs/acme/admin/tokens');
    await context.close();
  });

  it('saves the token policy, and the create form offers only what it allows', async () => {
    await go(admin, '/orgs/acme/admin/policy', 'Token policy');
    await admin.getByLabel('Longest token lifetime, in days').fill('60');
    await admin.getByRole('button', { name: 'Save policy' }).click();
    await admin.getByText('Token policy saved.').waitFor();
    const saved = await world.admin.call('GET', '/api/v1/orgs/acme/token-policy');
    expect(saved.body).toEqual({ maxLifetimeDays: 60, requireExpiry: false });

    await openCreateForm(admin);
    expect(await admin.getByRole('radio', { name: '30 days' }).isChecked()).toBe(true);
    for (const refused of ['90 days', '1 year', 'No expiration']) {
      expect(await admin.getByRole('radio', { name: refused }).isDisabled(), refused).toBe(true);
    }
    await admin.getByText('allows at most 60 days').waitFor();
    await expectAccessible(admin, 'the create form under a token policy');

    await go(admin, '/orgs/acme/admin/policy', 'Token policy');
    await admin.getByLabel('Longest token lifetime, in days').fill('');
    await admin.getByRole('button', { name: 'Save policy' }).click();
    await admin.getByText('Token policy saved.').waitFor();
    const cleared = await world.admin.call('GET', '/api/v1/orgs/acme/token-policy');
    expect(cleared.body).toEqual({ maxLifetimeDays: null, requireExpiry: false });
  });

  it('sent the CSRF header with every state-changing request', () => {
    const fromPages = mutations.filter((m) => m.path !== '/api/v1/session' || m.method !== 'POST');
    // Creates, an edit, a rotation and a revocation at least.
    expect(new Set(fromPages.map((m) => m.method))).toEqual(
      new Set(['POST', 'PUT', 'PATCH', 'DELETE']),
    );
    expect(fromPages.filter((m) => !m.csrf)).toEqual([]);
  });
});

describeWithBrowser('first-run setup page', () => {
  it('creates the first instance admin from the printed link, and forgets the code', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'orgtoken-setup-'));
    const server = await startServerProcess({ DATABASE_URL: `sqlite:${join(dir, 'setup.db')}` });
    const browser = await launchBrowser();
    try {
      const link = /(http:\/\/\S+\/setup#code=\S+)/.exec(server.output())?.[1];
      expect(link).toBeDefined();
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(link ?? '');
      await page.getByRole('heading', { name: 'Set up orgtoken' }).waitFor();
      await page.getByLabel('Your name').waitFor();
      expect(new URL(page.url()).hash).toBe('');
      const findings = await seriousAccessibilityFindings(page);
      expect(findings, 'accessibility of the setup page').toEqual([]);
      await page.getByLabel('Your name').fill('Grace Admin');
      await page.getByLabel('Email').fill('grace@example.com');
      await page.getByLabel('Password').fill('a-long-enough-password');
      await page.getByRole('button', { name: 'Create admin and sign in' }).click();
      await page.getByRole('heading', { name: 'Organizations' }).waitFor();
      await page.getByRole('heading', { name: 'Create an organization' }).waitFor();
      // The code is spent.
      await page.goto(link ?? '');
      await page.getByText('This orgtoken is already set up.').waitFor();
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});

describeWithBrowser('instance audit log page', () => {
  let world: UiWorld;
  let browser: Browser;

  beforeAll(async () => {
    world = await startUiWorld();
    browser = await launchBrowser();
  }, browserTestTimeoutMs);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  async function signedInPage(who: { email: string; password: string }): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(browserStepTimeoutMs);
    await page.goto(`${world.server.url}/signin`);
    await signInThroughPage(page, who);
    await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
    return page;
  }

  it('links an instance admin to the instance audit log, and tells a member it is not theirs', async () => {
    const admin = await signedInPage(people.admin);
    await admin
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Instance audit log' })
      .click();
    await admin.getByRole('heading', { name: 'Instance audit log', level: 1 }).waitFor();
    await admin.getByRole('row', { name: /user\.created.*mia@example\.com/ }).waitFor();
    await admin.getByRole('cell', { name: 'org.created' }).waitFor();
    // The organization's own events stay in its log.
    expect(await admin.getByRole('cell', { name: 'project.created' }).count()).toBe(0);
    expect(await admin.title()).toBe('Instance audit log · orgtoken');
    expect(await seriousAccessibilityFindings(admin), 'the instance audit log').toEqual([]);

    const member = await signedInPage(people.member);
    expect(await member.getByRole('link', { name: 'Instance audit log' }).count()).toBe(0);
    await member.goto(`${world.server.url}/admin/audit`);
    await member
      .getByRole('heading', { name: 'The instance audit log is for instance admins', level: 1 })
      .waitFor();
    expect(await member.getByRole('table').count()).toBe(0);
    expect(await seriousAccessibilityFindings(member), 'the page a member gets').toEqual([]);
  });
});
