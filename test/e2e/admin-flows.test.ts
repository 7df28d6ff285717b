import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  browserStepTimeoutMs,
  browserTestTimeoutMs,
  describeWithBrowser,
  launchBrowser,
  people,
  seriousAccessibilityFindings,
  signInThroughPage,
} from '../helpers/browser.js';
import {
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';

const dayMs = 24 * 3600 * 1000;
const publicUrl = 'https://orgtoken.example.test';
const lee = { email: 'lee@example.com', password: 'lee-leaves-soon-42', name: 'Lee Leaver' };
const nora = { email: 'nora@example.com', password: 'nora-is-new-here-7', name: 'Nora New' };

type Body = Record<string, unknown>;

function expectOk(what: string, result: { status: number; body: unknown }): Body {
  if (result.status >= 300)
    throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body as Body;
}

/**
 * What a new admin meets on day one, as a page person would walk it: a free organization, a
 * team organization that is downgraded after its token's creator left, an enterprise one to
 * create tokens in, and the users of the instance. The server has a public URL set, so the CI
 * snippets must show it rather than the address the browser used.
 */
describeWithBrowser(
  'administration flows in Chromium: plans, CI setup, people, errors, the token list',
  () => {
    let server: ServerProcess;
    let admin: SessionClient;
    let browser: Browser;
    let page: Page;
    let leeToken: { id: string; token: string };

    async function go(path: string, heading: string | RegExp): Promise<void> {
      await page.goto(`${server.url}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    }

    async function expectAccessible(what: string): Promise<void> {
      expect(await seriousAccessibilityFindings(page), `accessibility of ${what}`).toEqual([]);
    }

    /** Clicks a radio button's or checkbox's label, as a person does. */
    async function toggle(choice: Locator): Promise<void> {
      await choice.locator('xpath=ancestor::label[1]').click();
    }

    function row(name: string): Locator {
      return page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    }

    async function choose(select: string | RegExp, option: string): Promise<void> {
      await page.getByRole('button', { name: select }).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    }

    function status(text: string | RegExp): Locator {
      return page.getByRole('status').filter({ hasText: text });
    }

    async function createToken(org: string, body: Body, as = admin) {
      return expectOk(
        `token ${String(body.name)}`,
        await as.call('POST', `/api/v1/orgs/${org}/tokens`, {
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
          expiresAt: null,
          ...body,
        }),
      ) as { id: string; token: string };
    }

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'orgtoken-admin-flows-'));
      server = await startServerProcess({
        ...serverEnv(`sqlite:${join(dir, 'flows.db')}`, people.admin),
        ORGTOKEN_PUBLIC_URL: publicUrl,
      });
      admin = await signedIn(server.url, people.admin);
      const me = expectOk('me', await admin.call('GET', '/api/v1/me'));
      const orgs: [string, string, string][] = [
        ['acme', 'Acme Corp', 'enterprise'],
        ['freeco', 'Free Co', 'free'],
        ['teamco', 'Team Co', 'team'],
        ['downco', 'Down Co', 'team'],
      ];
      for (const [key, name, plan] of orgs) {
        expectOk(`org ${key}`, await admin.call('POST', '/api/v1/orgs', { key, name, plan }));
        expectOk(
          `admin joins ${key}`,
          await admin.call('PUT', `/api/v1/orgs/${key}/members/${me.id}`, { role: 'admin' }),
        );
      }
      for (const key of ['backend-api', 'backend-worker']) {
        expectOk(
          `project ${key}`,
          await admin.call('POST', '/api/v1/orgs/acme/projects', { key, name: key }),
        );
      }
      // Lee sets up Down Co's pipeline with a token, then leaves; later the plan goes down.
      const leeUser = expectOk('lee', await admin.call('POST', '/api/v1/users', lee));
      expectOk(
        'lee joins downco',
        await admin.call('PUT', `/api/v1/orgs/downco/members/${leeUser.id}`, { role: 'admin' }),
      );
      leeToken = await createToken('downco', { name: 'deploy' }, await signedIn(server.url, lee));
      expectOk(
        'lee leaves',
        await admin.call('DELETE', `/api/v1/orgs/downco/members/${leeUser.id}`),
      );
      expectOk('downgrade', await admin.call('PATCH', '/api/v1/orgs/downco', { plan: 'free' }));

      browser = await launchBrowser();
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        timezoneId: 'UTC',
        locale: 'en-US',
      });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      page = await context.newPage();
      page.setDefaultTimeout(browserStepTimeoutMs);
      await page.goto(`${server.url}/signin`);
      await signInThroughPage(page, people.admin);
      await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
    }, browserTestTimeoutMs);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    it('on a free plan: the token page names the plan needed, and nothing offers to create a token', async () => {
      await go('/orgs/freeco/admin/tokens', 'Scoped Organization Tokens');
      const notice = page
        .getByRole('note')
        .filter({ hasText: 'Organization tokens need the team plan' });
      await notice.waitFor();
      expect(await notice.textContent()).toContain('Free Co is on the Free plan.');
      expect(await page.getByText('Create one for your first pipeline').count()).toBe(0);
      const create = page.getByRole('button', { name: 'Create token' });
      expect(await create.isDisabled()).toBe(true);
      expect(await page.getByRole('link', { name: 'Create token' }).count()).toBe(0);
      await expectAccessible('the token page of a free organization');

      // The form's address says the same instead of a form that Generate would refuse.
      await go('/orgs/freeco/admin/tokens/new', 'Create token');
      await page.getByRole('note').filter({ hasText: 'need the team plan' }).waitFor();
      expect(await page.getByRole('button', { name: 'Generate token' }).count()).toBe(0);

      // The token policy names its own plan, and cannot be saved.
      await go('/orgs/freeco/admin/policy', 'Token policy');
      await page.getByRole('note').filter({ hasText: 'needs the enterprise plan' }).waitFor();
      expect(await page.getByRole('button', { name: 'Save policy' }).isDisabled()).toBe(true);

      // On the team plan a token can be created, but its IP allowlist says which plan it needs.
      await go('/orgs/teamco/admin/tokens/new', 'Create token');
      const allowlist = page.getByLabel('Allowed networks (optional)');
      expect(await allowlist.isDisabled()).toBe(true);
      await page.getByText('An IP allowlist needs the enterprise plan.').waitFor();
    });

    it('after a downgrade: a suspended badge naming the plan, a banner, and the leaver marked', async () => {
      await go('/orgs/downco/admin/tokens', 'Scoped Organization Tokens');
      const deploy = row('deploy');
      await deploy.getByText('Suspended: needs Team').waitFor();
      expect(await deploy.getByText('Active').count()).toBe(0);
      await page
        .getByRole('note')
        .filter({ hasText: 'Every pipeline using these tokens is refused.' })
        .waitFor();
      await deploy.getByText('Lee Leaver (removed)').waitFor();
      await expectAccessible('the token list of a downgraded organization');

      // The status filter offers suspended, and the address keeps it.
      await choose(/All statuses/, 'Suspended');
      await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('suspended');
      await deploy.waitFor();

      await deploy.getByRole('link', { name: 'deploy' }).click();
      await page.getByRole('heading', { name: /deploy/, level: 1 }).waitFor();
      await page
        .getByRole('note')
        .filter({ hasText: 'Every pipeline using this token is refused.' })
        .waitFor();
      await page.getByText('Lee Leaver (removed)').waitFor();

      // What the badge says is what a pipeline meets.
      const refused = await fetch(`${server.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${leeToken.token}` },
      });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'PLAN_REQUIRED',
      );
    });

    it('the create form: presets show their date, provision needs all projects, a checked box shows a tick', async () => {
      await go('/orgs/acme/admin/tokens/new', 'Create token');
      const date = (days: number) =>
        new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(
          new Date(Date.now() + days * dayMs),
        );
      for (const [label, days] of [
        ['30 days', 30],
        ['90 days', 90],
        ['1 year', 365],
      ] as const) {
        const radio = page.getByRole('radio', { name: new RegExp(`^${label}`) });
        const text = await radio.locator('xpath=ancestor::label[1]').textContent();
        expect(text).toBe(`${label} · until ${date(days)}`);
      }

      // Selected projects (the default): project:provision would do nothing, so it is not offered.
      const provision = page.getByRole('checkbox', { name: /project:provision/ });
      expect(await provision.isDisabled()).toBe(true);
      await page.getByText('Only with all current and future projects in scope').waitFor();
      await toggle(page.getByRole('radio', { name: 'All current and future projects' }));
      expect(await provision.isDisabled()).toBe(false);
      await toggle(provision);
      expect(await provision.isChecked()).toBe(true);
      await toggle(page.getByRole('radio', { name: 'Selected projects' }));
      expect(await provision.isChecked()).toBe(false);
      expect(await provision.isDisabled()).toBe(true);

      // A checked box carries a tick; an unchecked one does not (not a filled, half-checked look).
      const label = (name: RegExp) =>
        page.getByRole('checkbox', { name }).locator('xpath=ancestor::label[1]');
      expect(
        await label(/analysis:execute/)
          .locator('.choice-tick')
          .isVisible(),
      ).toBe(true);
      expect(
        await label(/project:browse/)
          .locator('.choice-tick')
          .count(),
      ).toBe(0);
      await expectAccessible('the create form');
    });

    it('the secret screen: focus on the secret, a summary, the server URL and CI snippets to copy', async () => {
      await go('/orgs/acme/admin/tokens/new', 'Create token');
      await page.getByLabel('Name', { exact: true }).fill('GitHub backend');
      await toggle(page.getByRole('checkbox', { name: /backend-api/ }));
      await page.getByRole('button', { name: 'Generate token' }).click();
      await page
        .getByRole('heading', { name: 'Token “GitHub backend” created', level: 1 })
        .waitFor();
      const secret = await page.getByLabel('Token secret').inputValue();
      expect(secret).toMatch(/^oto_/);
      // The focus lands on the secret, not on <body>.
      await expect
        .poll(() =>
          page
            .getByLabel('Token secret')
            .evaluate((element) => element === element.ownerDocument.activeElement),
        )
        .toBe(true);

      const summary = page.locator('.secret dl');
      expect(await summary.textContent()).toContain('GitHub backend');
      expect(await summary.textContent()).toContain('analysis:execute');
      expect(await summary.textContent()).toContain('backend-api');
      expect(await summary.textContent()).toMatch(/in 3 months|in 90 days/);

      const setup = page.getByRole('region', { name: 'Use it in a pipeline' });
      expect(await setup.getByText(publicUrl, { exact: true }).count()).toBe(1);
      await setup.getByText('SONAR_TOKEN', { exact: true }).first().waitFor();
      expect(await setup.textContent()).toContain('SonarScanner');

      // Folded at first: the secret's is the one copy button on the screen.
      expect(await page.getByRole('button', { name: /copy/i }).count()).toBe(1);
      await expectAccessible('the secret screen');
      await setup.getByRole('button', { name: 'GitHub Actions' }).click();
      const github = setup.locator('pre').first();
      const workflow = (await github.textContent()) ?? '';
      expect(workflow).toContain(`ORGTOKEN_URL: "${publicUrl}"`);
      expect(workflow).toContain(
        `curl -fsSL --proto '=https' --url "$ORGTOKEN_URL/cli/orgtoken.mjs"`,
      );
      expect(workflow).toContain(`| cut -d' ' -f1)  orgtoken.mjs" | sha256sum -c -`);
      expect(workflow).toContain('--org acme --project backend-api');
      // On the upload step only, not the job: npm ci and the linter run without it.
      expect(workflow).toContain(
        `        env:\n          SONAR_TOKEN: $\{{ secrets.SONAR_TOKEN }}`,
      );
      expect(workflow).not.toContain(secret);
      await setup.getByRole('button', { name: 'Copy the GitHub Actions configuration' }).click();
      await setup.getByText('Copied to the clipboard.').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(workflow);

      await setup.getByRole('button', { name: 'GitLab CI' }).click();
      const gitlab = (await setup.locator('pre').nth(1).textContent()) ?? '';
      expect(gitlab).toContain(`ORGTOKEN_URL: "${publicUrl}"`);
      expect(gitlab).toContain(`orgtoken.mjs" | sha256sum -c -`);
      expect(gitlab).toContain('env -u ORGTOKEN_TOKEN -u SONAR_TOKEN npm ci');
      expect(gitlab).toContain('node /tmp/orgtoken.mjs analyze --org acme --project backend-api');
      await expectAccessible('the secret screen with both snippets open');
    });

    it('the token list: filters and sort in the address, a count, permissions, relative expiry, the grace end', async () => {
      await createToken('acme', { name: 'gamma nightly' });
      const alpha = await createToken('acme', { name: 'alpha legacy' });
      expectOk('revoke alpha', await admin.call('DELETE', `/api/v1/orgs/acme/tokens/${alpha.id}`));
      await createToken('acme', {
        name: 'beta release',
        permissions: ['analysis:execute', 'project:browse'],
        expiresAt: new Date(Date.now() + 3 * dayMs + 3600_000).toISOString(),
      });

      // An address restores the view: the status, the search and the sort.
      await go('/orgs/acme/admin/tokens?status=revoked&q=alp', 'Scoped Organization Tokens');
      await row('alpha legacy').waitFor();
      expect(await page.getByLabel('Search by name').inputValue()).toBe('alp');
      expect(await page.getByRole('button', { name: /Revoked/ }).count()).toBe(1);
      expect(await row('gamma nightly').count()).toBe(0);
      await page.getByText('1 token.', { exact: true }).waitFor();

      // Typing a search and choosing a sort land in the address too.
      await go('/orgs/acme/admin/tokens', 'Scoped Organization Tokens');
      await row('gamma nightly').waitFor();
      await page.getByText('4 tokens.', { exact: true }).waitFor();
      await choose(/Newest first/, 'Name, A to Z');
      await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('name');
      // The list shown before stays until the sorted page arrives: read it until it has.
      const names = () => page.getByRole('rowheader').getByRole('link').allTextContents();
      await expect
        .poll(names)
        .toEqual(['alpha legacy', 'beta release', 'gamma nightly', 'GitHub backend']);
      expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe(
        'ascending',
      );
      await choose(/Name, A to Z/, 'Expiry, soonest first');
      await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('expiry');
      await expect
        .poll(async () => (await names()).slice(0, 2))
        .toEqual(['beta release', 'GitHub backend']);
      await page.getByLabel('Search by name').fill('beta');
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('beta');
      await page.reload();
      await row('beta release').waitFor();
      expect(await page.getByLabel('Search by name').inputValue()).toBe('beta');
      expect(await row('gamma nightly').count()).toBe(0);
      expect(new URL(page.url()).searchParams.get('sort')).toBe('expiry');
      // A link to the plain list empties the search box as well.
      await page
        .getByRole('navigation', { name: 'Administration' })
        .getByRole('link', { name: 'Scoped Organization Tokens' })
        .click();
      await row('gamma nightly').waitFor();
      expect(await page.getByLabel('Search by name').inputValue()).toBe('');
      await page.getByLabel('Search by name').fill('beta');
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('beta');
      // The unfiltered list has beta too: wait for gamma to go, not for beta to be there.
      await row('gamma nightly').waitFor({ state: 'detached' });
      expect(await row('beta release').count()).toBe(1);

      // Permissions in a column; the expiry relative to now, its date on hover.
      const beta = row('beta release');
      const permissions = beta.getByRole('cell').nth(4);
      expect(await permissions.textContent()).toBe('analysis:executeproject:browse');
      const expiry = beta.getByRole('cell').nth(3).locator('time');
      expect(await expiry.textContent()).toBe('in 3 days');
      const title = (await expiry.getAttribute('title')) ?? '';
      const day = new Intl.DateTimeFormat('en', {
        month: 'short',
        day: 'numeric',
        timeZone: 'UTC',
      });
      expect(title).toContain(day.format(new Date(Date.now() + 3 * dayMs + 3600_000)));

      // A rotation with a grace period: the row says when the previous secret ends.
      await page.getByRole('button', { name: 'Actions for beta release' }).click();
      await page.getByRole('menuitem', { name: 'Rotate…' }).click();
      const dialog = page.getByRole('alertdialog');
      await toggle(dialog.getByRole('radio', { name: '1 hour' }));
      await dialog.getByRole('button', { name: 'Rotate token' }).click();
      await page.getByRole('heading', { name: 'New secret for “beta release”' }).waitFor();
      await beta.getByText(/Previous secret ends in (60 minutes|59 minutes|1 hour)/).waitFor();
      await expectAccessible('the token list after a rotation');

      // Revoking says it happened.
      await page.getByRole('button', { name: 'Actions for beta release' }).click();
      await page.getByRole('menuitem', { name: 'Revoke…' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke token' }).click();
      await status(
        '“beta release” is revoked: every pipeline using it is refused from now on.',
      ).waitFor();
    });

    it('plain words for refused fields, and keys made from names', async () => {
      // The organization key follows the name until someone types one.
      await go('/', 'Organizations');
      await page.getByLabel('Name', { exact: true }).fill('Zürich Büro');
      const key = page.getByLabel('Key', { exact: true });
      expect(await key.inputValue()).toBe('zurich-buro');
      await key.fill('Zurich_Buro');
      await page.getByLabel('Name', { exact: true }).fill('Zürich Büro AG');
      expect(await key.inputValue()).toBe('Zurich_Buro');
      await page.getByRole('button', { name: 'Create organization' }).click();
      const rule =
        'Use 2–39 lowercase letters, digits or hyphens, starting with a letter or digit.';
      await page.getByText(rule).waitFor();
      expect(await key.getAttribute('aria-invalid')).toBe('true');
      const described = (await key.getAttribute('aria-describedby')) ?? '';
      const messages = await Promise.all(
        described.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()),
      );
      expect(messages).toContain(rule);
      await key.fill('zurich-buro');
      await page.getByRole('button', { name: 'Create organization' }).click();
      await page.getByRole('heading', { name: 'Projects of Zürich Büro AG', level: 1 }).waitFor();

      // The project key too.
      await page.getByLabel('Project name').fill('Payments API (v2)');
      expect(await page.getByLabel('Project key').inputValue()).toBe('payments-api-v2');
      await page.getByRole('button', { name: 'Add project' }).click();
      await status('Project “Payments API (v2)” added.').waitFor();
      await page.getByRole('cell', { name: 'payments-api-v2' }).waitFor();

      // A schema refusal of the server (an invisible character in a name) reads as the rule.
      await go('/orgs/acme/admin/tokens/new', 'Create token');
      await page.getByLabel('Name', { exact: true }).fill('ci\u200bbackend');
      await toggle(page.getByRole('radio', { name: 'All current and future projects' }));
      await page.getByRole('button', { name: 'Generate token' }).click();
      await page.getByText('no invisible ones').waitFor();
      expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe(
        'true',
      );
      expect(await page.content()).not.toContain('/body/');
      expect(await page.content()).not.toContain('must match pattern');
    });

    it('instance admins create users, and deactivate and reactivate them', async () => {
      await go('/', 'Organizations');
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Users' })
        .click();
      await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
      // Nobody deactivates themself or the last instance admin from here.
      const me = page.getByRole('row', { name: /ada@example\.com/ });
      expect(await me.getByRole('button').count()).toBe(0);
      await expectAccessible('the users page');

      await page.getByLabel('Name', { exact: true }).fill(nora.name);
      await page.getByLabel('Email').fill(nora.email);
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.getByText('The password needs at least 12 characters.').waitFor();
      await page.getByLabel('Password').fill(nora.password);
      await page.getByRole('button', { name: 'Create user' }).click();
      await status(`${nora.name} (${nora.email}) can sign in now.`).waitFor();
      const noraRow = page.getByRole('row', { name: /nora@example\.com/ });
      await noraRow.getByText('Active').waitFor();
      await signedIn(server.url, nora);

      await noraRow.getByRole('button', { name: 'Deactivate…' }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.getByRole('heading', { name: `Deactivate ${nora.name}?` }).waitFor();
      await expectAccessible('the deactivate dialog');
      await dialog.getByRole('button', { name: 'Deactivate user' }).click();
      await status(`${nora.name} is deactivated`).waitFor();
      await noraRow.getByText('Deactivated').waitFor();
      const refused = await fetch(`${server.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: nora.email, password: nora.password }),
      });
      expect(refused.status).toBe(401);

      await noraRow.getByRole('button', { name: 'Reactivate…' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Reactivate user' }).click();
      await status(`${nora.name} is active again and can sign in.`).waitFor();
      await signedIn(server.url, nora);
    });

    it('members: added by email (an unknown one said in words), promotion confirmed, the last admin kept', async () => {
      await go('/orgs/acme/admin/members', 'Members');
      const email = page.getByLabel('Email');
      await email.fill('nobody@example.com');
      await page.getByRole('button', { name: 'Add member' }).click();
      await page
        .getByRole('alert')
        .filter({
          hasText: 'No active user has this email address. An instance admin creates accounts',
        })
        .waitFor();

      await email.fill('NORA@example.com');
      await page.getByRole('button', { name: 'Add member' }).click();
      await status(`${nora.name} (${nora.email}) is now a member of Acme Corp.`).waitFor();
      const noraRow = page.getByRole('row', { name: /Nora New/ });
      await noraRow.waitFor();
      await expectAccessible('the members page after adding a member');

      // Promotion asks first, then says it happened.
      await noraRow.getByRole('button', { name: /Role of Nora New/ }).click();
      await page.getByRole('option', { name: 'Admin' }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.getByRole('heading', { name: 'Make Nora New an admin?' }).waitFor();
      await expectAccessible('the promotion dialog');
      await dialog.getByRole('button', { name: 'Make admin' }).click();
      await status('Nora New is now an admin of Acme Corp.').waitFor();
      const members = expectOk('members', await admin.call('GET', '/api/v1/orgs/acme/members'));
      const promoted = (members.items as { email: string; role: string }[]).find(
        (member) => member.email === nora.email,
      );
      expect(promoted?.role).toBe('admin');

      // A token Nora creates shows her deactivation once she is deactivated.
      const noraSession = await signedIn(server.url, nora);
      await createToken('acme', { name: 'nora pipeline' }, noraSession);
      const users = expectOk('users', await admin.call('GET', '/api/v1/users'));
      const noraId = (users.items as { id: string; email: string }[]).find(
        (user) => user.email === nora.email,
      )?.id;
      expectOk(
        'deactivate',
        await admin.call('PATCH', `/api/v1/users/${noraId}`, { active: false }),
      );
      await go('/orgs/acme/admin/tokens?q=nora', 'Scoped Organization Tokens');
      await row('nora pipeline').getByText('Nora New (deactivated)').waitFor();
      expectOk(
        'reactivate',
        await admin.call('PATCH', `/api/v1/users/${noraId}`, { active: true }),
      );

      // Free Co has one admin: no Remove for them, and demoting says what to do first.
      await go('/orgs/freeco/admin/members', 'Members');
      const only = page.getByRole('row', { name: /ada@example\.com/ });
      await only.getByText('Only admin').waitFor();
      expect(await only.getByRole('button', { name: 'Remove' }).count()).toBe(0);
      await only.getByRole('button', { name: /Role of/ }).click();
      await page.getByRole('option', { name: 'Member' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Make member' }).click();
      await page
        .getByRole('alertdialog')
        .getByRole('alert')
        .filter({ hasText: 'make someone else admin first' })
        .waitFor();
      await page.keyboard.press('Escape');
    });

    it('at phone width in dark mode: no sideways scroll and no serious findings on these pages', async () => {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        colorScheme: 'dark',
        timezoneId: 'UTC',
      });
      const phone = await context.newPage();
      phone.setDefaultTimeout(browserStepTimeoutMs);
      await phone.goto(`${server.url}/signin`);
      await signInThroughPage(phone, people.admin);
      await phone.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
      const check = async (what: string) => {
        // A string, evaluated in the page: the tests are compiled without the DOM's types.
        const width = (await phone.evaluate(
          '({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth })',
        )) as { scroll: number; viewport: number };
        expect(width.scroll, `${what} scrolls sideways`).toBeLessThanOrEqual(width.viewport);
        expect(await seriousAccessibilityFindings(phone), `accessibility of ${what}`).toEqual([]);
      };
      const pages: [string, string | RegExp][] = [
        ['/admin/users', 'Users'],
        ['/orgs/downco/admin/tokens', 'Scoped Organization Tokens'],
        ['/orgs/freeco/admin/tokens', 'Scoped Organization Tokens'],
        ['/orgs/acme/admin/tokens?sort=name', 'Scoped Organization Tokens'],
        ['/orgs/acme/admin/members', 'Members'],
      ];
      for (const [path, heading] of pages) {
        await phone.goto(`${server.url}${path}`);
        await phone.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await phone.getByRole('table').or(phone.getByRole('note')).first().waitFor();
        await check(path);
      }
      await phone.goto(`${server.url}/orgs/acme/admin/tokens/new`);
      await phone.getByLabel('Name', { exact: true }).fill('phone pipeline');
      await phone
        .getByRole('radio', { name: 'All current and future projects' })
        .locator('xpath=ancestor::label[1]')
        .click();
      await phone.getByRole('button', { name: 'Generate token' }).click();
      const setup = phone.getByRole('region', { name: 'Use it in a pipeline' });
      await setup.getByRole('button', { name: 'GitHub Actions' }).click();
      await setup.getByRole('button', { name: 'GitLab CI' }).click();
      await setup.locator('pre').nth(1).waitFor();
      expect(await setup.textContent()).toContain('YOUR-PROJECT-KEY');
      await check('the secret screen with its snippets');
      await context.close();
    });
  },
);
