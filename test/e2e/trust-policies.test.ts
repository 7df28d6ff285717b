import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
} from '../helpers/browser.js';
import { type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import {
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';

type Body = Record<string, unknown>;

function expectOk(what: string, result: { status: number; body: unknown }): Body {
  if (result.status >= 300)
    throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body as Body;
}

const githubIssuer = 'https://token.actions.githubusercontent.com';

/**
 * Secretless CI in Chromium against a real server process: a trust policy made from the
 * GitHub Actions preset, its pipeline snippet, CI tokens checked against it, an exchange
 * listed under it and revoked there, and its deletion revoking what it minted. The CI is a
 * real OpenID Connect issuer on 127.0.0.1 (test/helpers/oidc-issuer.ts), which the server
 * may reach over http because ORGTOKEN_OIDC_INSECURE_ISSUERS names it.
 */
describeWithBrowser(
  'trust policies in Chromium: presets, snippets, check a token, exchanges, revoke, delete',
  () => {
    let issuer: OidcIssuer;
    let server: ServerProcess;
    let admin: SessionClient;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let policyId = '';

    async function go(path: string, heading: string | RegExp, on = page): Promise<void> {
      await on.goto(`${server.url}${path}`);
      await on.getByRole('heading', { name: heading, level: 1 }).waitFor();
    }

    async function expectAccessible(what: string, on = page): Promise<void> {
      expect(await seriousAccessibilityFindings(on), `accessibility of ${what}`).toEqual([]);
    }

    /** Clicks a radio button's or checkbox's label, as a person does. */
    async function toggle(choice: Locator): Promise<void> {
      await choice.locator('xpath=ancestor::label[1]').click();
    }

    function status(text: string | RegExp): Locator {
      return page.getByRole('status').filter({ hasText: text });
    }

    /** A JWT of the issuer with GitHub's claims for a job in the production environment. */
    function githubToken(overrides: Record<string, unknown> = {}): Promise<string> {
      return issuer.sign(
        issuer.githubClaims({ aud: server.url, environment: 'production', ...overrides }),
      );
    }

    async function exchange(jwt: string): Promise<{ status: number; body: Body }> {
      const response = await fetch(`${server.url}/api/v1/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ org: 'acme', token: jwt }),
      });
      return { status: response.status, body: (await response.json()) as Body };
    }

    function me(secret: string): Promise<number> {
      return fetch(`${server.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${secret}` },
      }).then((response) => response.status);
    }

    async function checkToken(jwt: string): Promise<void> {
      await page.getByLabel('CI identity token (JWT)').fill(jwt);
      await page.getByRole('button', { name: 'Check token', exact: true }).click();
    }

    function conditionRow(claim: string): Locator {
      return page
        .getByRole('table', { name: 'Conditions of the policy against the token' })
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: claim, exact: true }) });
    }

    beforeAll(async () => {
      issuer = await startOidcIssuer();
      const dir = mkdtempSync(join(tmpdir(), 'orgtoken-trust-'));
      server = await startServerProcess({
        ...serverEnv(`sqlite:${join(dir, 'trust.db')}`, people.admin),
        ORGTOKEN_OIDC_INSECURE_ISSUERS: issuer.issuer,
        ORGTOKEN_USAGE_FLUSH_SECONDS: '1',
      });
      admin = await signedIn(server.url, people.admin);
      const self = expectOk('me', await admin.call('GET', '/api/v1/me'));
      for (const [key, name, plan] of [
        ['acme', 'Acme Corp', 'enterprise'],
        ['teamco', 'Team Co', 'team'],
      ] as const) {
        expectOk(`org ${key}`, await admin.call('POST', '/api/v1/orgs', { key, name, plan }));
        expectOk(
          `admin joins ${key}`,
          await admin.call('PUT', `/api/v1/orgs/${key}/members/${self.id}`, { role: 'admin' }),
        );
      }
      for (const [key, name] of [
        ['ledger-api', 'Ledger API'],
        ['docs-site', 'Docs site'],
      ]) {
        expectOk(
          `project ${key}`,
          await admin.call('POST', '/api/v1/orgs/acme/projects', { key, name }),
        );
      }
      browser = await launchBrowser();
      context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        timezoneId: 'America/New_York',
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
      await issuer?.close();
    });

    it('below the enterprise plan: the pages name the plan needed and offer no form', async () => {
      await go('/orgs/teamco/admin/trust-policies', 'Secretless CI');
      const notice = page.getByRole('note').filter({ hasText: 'needs the enterprise plan' });
      await notice.waitFor();
      expect(await notice.textContent()).toContain('Team Co is on the Team plan.');
      expect(await page.getByRole('link', { name: 'Add a trust policy' }).count()).toBe(0);
      await expectAccessible('the trust policies of a team organization');
      await go('/orgs/teamco/admin/trust-policies/new', 'Add a trust policy');
      await page.getByRole('note').filter({ hasText: 'needs the enterprise plan' }).waitFor();
      expect(await page.getByRole('button', { name: 'Add trust policy' }).count()).toBe(0);
    });

    it('the GitHub preset: its claims, refusals beside their field, immutable-id advice, the snippet, saved', async () => {
      await go('/orgs/acme/admin', 'Scoped Organization Tokens');
      await page
        .getByRole('navigation', { name: 'Administration' })
        .getByRole('link', { name: 'Secretless CI' })
        .click();
      await page.getByRole('heading', { name: 'Secretless CI', level: 1 }).waitFor();
      await page.getByText('No trust policies yet.').waitFor();
      await expectAccessible('the empty trust policy list');
      await page.getByRole('link', { name: 'Add a trust policy' }).click();
      await page.getByRole('heading', { name: 'Add a trust policy', level: 1 }).waitFor();

      // GitHub Actions to begin with: its issuer, its claims, this server as the audience.
      expect(await page.getByRole('radio', { name: 'GitHub Actions' }).isChecked()).toBe(true);
      const issuerField = page.getByLabel('Issuer', { exact: true });
      expect(await issuerField.inputValue()).toBe(githubIssuer);
      expect(await page.getByLabel('Audience', { exact: true }).inputValue()).toBe(server.url);
      for (const claim of [
        'repository_owner_id',
        'repository',
        'ref',
        'environment',
        'job_workflow_ref',
      ]) {
        await page.getByLabel(claim, { exact: true }).waitFor();
      }
      const snippet = page.locator('.snippet-text');
      await page
        .getByRole('heading', { name: 'Paste into your pipeline: GitHub Actions' })
        .waitFor();
      let text = (await snippet.textContent()) ?? '';
      expect(text).toContain('id-token: write');
      expect(text).toContain(`ORGTOKEN_URL: "${server.url}"`);
      expect(text).toContain('analyze --org acme --project YOUR-PROJECT-KEY');
      expect(text).not.toContain('ORGTOKEN_OIDC_AUDIENCE');
      expect(text).toContain('  pull_request:');
      expect(text).not.toMatch(/SONAR_TOKEN|secrets\./);

      // GitLab CI: its issuer and claims, and id_tokens with the audience.
      await toggle(page.getByRole('radio', { name: 'GitLab CI' }));
      expect(await issuerField.inputValue()).toBe('https://gitlab.com');
      expect(await page.getByLabel('ref_protected', { exact: true }).inputValue()).toBe('true');
      await page.getByLabel('project_id', { exact: true }).waitFor();
      text = (await snippet.textContent()) ?? '';
      expect(text).toContain(`id_tokens:\n    ORGTOKEN_ID_TOKEN:\n      aud: "${server.url}"`);
      expect(text).toContain('env -u ORGTOKEN_ID_TOKEN npm ci');
      await expectAccessible('the GitLab CI preset');
      await toggle(page.getByRole('radio', { name: 'GitHub Actions' }));
      expect(await page.getByLabel('ref_protected', { exact: true }).count()).toBe(0);

      const add = page.getByRole('button', { name: 'Add trust policy' });
      await page.getByLabel('Name', { exact: true }).fill('ledger-api production');
      // A branch alone would trust that branch of every repository on GitHub.
      await page.getByLabel('ref', { exact: true }).fill('refs/heads/main');
      await page.getByRole('checkbox', { name: /Ledger API/ }).waitFor();
      await toggle(page.getByRole('checkbox', { name: /Ledger API/ }));
      await add.click();
      await page.getByText('Name who runs: fill in repository_owner_id').waitFor();

      // A name, with the advice to match its immutable id, which can be added from there.
      await page.getByLabel('repository', { exact: true }).fill('lumen-works/ledger-api');
      const advice = page.locator('.claim-advice');
      await advice.getByText('repository can be renamed').waitFor();
      await advice.getByRole('button', { name: 'Add repository_id' }).click();
      const idValue = page.getByLabel('Value of repository_id');
      await expect
        .poll(() => idValue.evaluate((element) => element === element.ownerDocument.activeElement))
        .toBe(true);
      await page.getByRole('button', { name: 'Remove the condition on repository_id' }).click();
      expect(await idValue.count()).toBe(0);
      await page.getByLabel('repository_owner_id', { exact: true }).fill('5820147');
      await page.getByLabel('environment', { exact: true }).fill('production');

      // What only the server knows, beside its field: this http issuer is not allowed.
      await issuerField.fill('http://127.0.0.1:9/not-listed');
      await add.click();
      await page.getByText('is not https (allow it with ORGTOKEN_OIDC_INSECURE_ISSUERS)').waitFor();
      expect(await issuerField.getAttribute('aria-invalid')).toBe('true');
      expect(await page.content()).not.toContain('/body/');
      await issuerField.fill(issuer.issuer);

      // The snippet follows the form: the project, the environment, the one branch.
      text = (await snippet.textContent()) ?? '';
      expect(text).toContain('analyze --org acme --project ledger-api');
      expect(text).toContain('environment: "production"');
      expect(text).toContain('branches: ["main"]');
      expect(text).not.toContain('  pull_request:');
      await page.getByRole('button', { name: 'Copy the GitHub Actions configuration' }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(text);
      await expectAccessible('the GitHub Actions preset, filled in');

      await add.click();
      await page.getByRole('heading', { name: 'ledger-api production', level: 1 }).waitFor();
      await status('The trust policy “ledger-api production” is saved').waitFor();
      policyId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
      // The server's advice, on the policy's page.
      await page
        .getByRole('note')
        .filter({ hasText: 'repository can be renamed or re-registered by someone else' })
        .waitFor();
      const stored = expectOk(
        'policy',
        await admin.call('GET', `/api/v1/orgs/acme/trust-policies/${policyId}`),
      );
      expect(stored).toMatchObject({
        issuer: issuer.issuer,
        audience: server.url,
        claims: {
          repository_owner_id: '5820147',
          repository: 'lumen-works/ledger-api',
          ref: 'refs/heads/main',
          environment: 'production',
        },
        permissions: ['analysis:execute'],
        projects: { mode: 'selected', keys: ['ledger-api'], patterns: [] },
        ttlSeconds: 900,
      });
      await page.getByText('No run has exchanged a token under this policy yet.').waitFor();
      await expectAccessible('a new trust policy');
      // A reload does not say "saved" again.
      await page.reload();
      await page.getByRole('heading', { name: 'ledger-api production', level: 1 }).waitFor();
      expect(await status('is saved').count()).toBe(0);
    });

    it('check a token: a matching and a non-matching one, each condition shown, the JWT kept nowhere', async () => {
      await go(`/orgs/acme/admin/trust-policies/${policyId}`, 'ledger-api production');
      const field = page.getByLabel('CI identity token (JWT)');
      await checkToken('not a token');
      await page.getByText('Paste a JWT: three base64url parts separated by dots.').waitFor();
      expect(await field.getAttribute('aria-invalid')).toBe('true');

      const matching = await githubToken();
      await checkToken(matching);
      await status('Accepted: this token meets the policy.').waitFor();
      for (const claim of ['repository_owner_id', 'repository', 'ref', 'environment']) {
        expect(await conditionRow(claim).getByRole('cell').last().textContent()).toBe('Passes');
      }
      expect(await field.inputValue()).toBe('');
      await expectAccessible('an accepted check');

      await checkToken(
        await githubToken({ repository_owner_id: '7700001', ref: 'refs/heads/feature-x' }),
      );
      await status('Refused: this token does not meet the policy.').waitFor();
      expect(await conditionRow('repository_owner_id').textContent()).toContain(
        'Fails: the claim has another value',
      );
      expect(await conditionRow('ref').textContent()).toContain('Fails');
      expect(await conditionRow('repository').getByRole('cell').last().textContent()).toBe(
        'Passes',
      );
      expect(await page.getByText('Signature, issuer, audience, times').count()).toBe(1);
      await expectAccessible('a refused check');

      // The wrong audience fails verification; the conditions are still read, untrusted.
      await checkToken(await githubToken({ aud: 'https://elsewhere.example' }));
      await status('Refused').waitFor();
      await page.getByText('Not valid:').waitFor();
      await page.getByText('read from the token without trusting it').waitFor();
      expect(await conditionRow('environment').getByRole('cell').last().textContent()).toBe(
        'Passes',
      );

      // The JWT is in no storage, no address and no log; and the check used up nothing: the
      // same token is exchanged afterwards.
      const kept = (await page.evaluate(
        'JSON.stringify([location.href, localStorage, sessionStorage, document.cookie])',
      )) as string;
      expect(kept).not.toContain(matching);
      expect(await page.content()).not.toContain(matching);
      expect(server.output()).not.toContain(matching);
      const minted = await exchange(matching);
      expect(minted.status).toBe(201);
      expect(String(minted.body.token)).toMatch(/^ote_/);
    });

    it('an exchange is listed under its policy, with its run, and revoked there', async () => {
      const minted = expectOk(
        'exchange',
        await exchange(await githubToken({ run_id: '9900112233' })),
      );
      const secret = String(minted.token);
      expect(await me(secret)).toBe(200);
      await go(`/orgs/acme/admin/trust-policies/${policyId}`, 'ledger-api production');
      const exchanges = page.getByRole('table', { name: /Tokens minted under/ });
      const row = exchanges.getByRole('row').filter({ hasText: '9900112233' });
      await row.waitFor();
      expect(await row.getByRole('rowheader').textContent()).toContain(
        'repo:lumen-works/ledger-api:environment:production',
      );
      expect(await row.getByRole('cell').nth(0).textContent()).toBe('lumen-works/ledger-api');
      expect(await row.getByRole('cell').nth(1).textContent()).toBe('refs/heads/main');
      expect(await row.getByRole('cell').nth(3).textContent()).toMatch(/E[SD]T$/);
      expect(await row.getByRole('cell').nth(4).textContent()).toContain('in 1');
      await row.getByText('Live', { exact: true }).waitFor();
      // Its use above shows once the usage is flushed (every second here).
      await expect
        .poll(
          async () => {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return row.getByRole('cell').nth(5).textContent();
          },
          { timeout: 20_000 },
        )
        .toMatch(/^Liveused .* ago$/);
      // The token of the previous test, exchanged after its check, is listed too.
      expect(await exchanges.getByRole('row').filter({ hasText: '8811223344' }).count()).toBe(1);
      await expectAccessible('a policy with its exchanges');

      await row
        .getByRole('button', { name: 'Revoke the token of lumen-works/ledger-api run 9900112233' })
        .click();
      const dialog = page.getByRole('alertdialog');
      await dialog
        .getByRole('heading', {
          name: 'Revoke the token of lumen-works/ledger-api run 9900112233?',
        })
        .waitFor();
      await expectAccessible('the revoke dialog');
      await dialog.getByRole('button', { name: 'Revoke token' }).click();
      await status('The token of lumen-works/ledger-api run 9900112233 is revoked.').waitFor();
      await row.getByText('Revoked', { exact: true }).waitFor();
      expect(await row.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
      await expect.poll(() => me(secret)).toBe(401);
    });

    it('edit, then delete: the confirmation says its live tokens are revoked, and they are', async () => {
      await go(`/orgs/acme/admin/trust-policies/${policyId}`, 'ledger-api production');
      await page.getByRole('button', { name: 'Edit', exact: true }).click();
      await page.getByRole('heading', { name: 'Change the policy' }).waitFor();
      expect(await page.getByRole('radio', { name: 'GitHub Actions' }).count()).toBe(0);
      expect(await page.getByLabel('repository_owner_id', { exact: true }).inputValue()).toBe(
        '5820147',
      );
      await page.getByRole('button', { name: /Each token lasts/ }).click();
      await page.getByRole('option', { name: '5 minutes', exact: true }).click();
      await page.getByRole('button', { name: 'Save trust policy' }).click();
      await status('The trust policy “ledger-api production” is saved.').waitFor();
      await page.getByText('5 minutes', { exact: true }).waitFor();
      const changed = expectOk(
        'policy',
        await admin.call('GET', `/api/v1/orgs/acme/trust-policies/${policyId}`),
      );
      expect(changed.ttlSeconds).toBe(300);

      const live = String(expectOk('exchange', await exchange(await githubToken())).token);
      expect(await me(live)).toBe(200);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect
        .poll(() =>
          page
            .getByRole('table', { name: /Tokens minted under/ })
            .getByText('Live', { exact: true })
            .count(),
        )
        .toBe(2);
      await page.getByRole('button', { name: 'Delete…' }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog
        .getByRole('heading', { name: 'Delete the trust policy “ledger-api production”?' })
        .waitFor();
      await dialog.getByText('The 2 live tokens it minted are revoked at once').waitFor();
      await expectAccessible('the delete dialog');
      await dialog.getByRole('button', { name: 'Delete trust policy' }).click();
      await page.getByRole('heading', { name: 'Secretless CI', level: 1 }).waitFor();
      await status('The trust policy “ledger-api production” is deleted').waitFor();
      await page.getByText('No trust policies yet.').waitFor();
      await expect.poll(() => me(live)).toBe(401);
      expect((await admin.call('GET', `/api/v1/orgs/acme/trust-policies/${policyId}`)).status).toBe(
        404,
      );
    });

    it('at phone width in dark mode: no sideways scroll and no serious findings', async () => {
      const policy = expectOk(
        'policy',
        await admin.call('POST', '/api/v1/orgs/acme/trust-policies', {
          name: 'ledger-api release tags from the reusable deployment workflow',
          issuer: issuer.issuer,
          audience: server.url,
          claims: {
            repository_owner_id: '5820147',
            repository: 'lumen-works/ledger-api',
            job_workflow_ref:
              'lumen-works/ledger-api/.github/workflows/a-rather-long-workflow-name.yml@refs/tags/v*',
          },
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
        }),
      );
      const jwt = await issuer.sign(
        issuer.githubClaims({
          aud: server.url,
          job_workflow_ref:
            'lumen-works/ledger-api/.github/workflows/a-rather-long-workflow-name.yml@refs/tags/v1.2.3',
        }),
      );
      expectOk('exchange', await exchange(jwt));
      const phoneContext = await browser.newContext({
        viewport: { width: 390, height: 844 },
        colorScheme: 'dark',
      });
      const phone = await phoneContext.newPage();
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
        await expectAccessible(what, phone);
      };
      await go('/orgs/acme/admin/trust-policies', 'Secretless CI', phone);
      await phone.getByRole('link', { name: String(policy.name) }).waitFor();
      await check('the trust policy list');
      await go('/orgs/acme/admin/trust-policies/new', 'Add a trust policy', phone);
      await phone.locator('.snippet-text').waitFor();
      await check('the GitHub Actions preset');
      await go(`/orgs/acme/admin/trust-policies/${policy.id}`, String(policy.name), phone);
      await phone.getByRole('table', { name: /Tokens minted under/ }).waitFor();
      await phone.getByLabel('CI identity token (JWT)').fill(jwt);
      await phone.getByRole('button', { name: 'Check token', exact: true }).click();
      await phone
        .getByRole('table', { name: 'Conditions of the policy against the token' })
        .waitFor();
      await check('a policy with a check and its exchanges');
      await phoneContext.close();
    });
  },
);
