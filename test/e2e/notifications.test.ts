import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
import {
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';

const dayMs = 24 * 3600 * 1000;
type Body = Record<string, unknown>;

function expectOk(what: string, result: { status: number; body: unknown }): Body {
  if (result.status >= 300)
    throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body as Body;
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1: keeps every request and answers with `status`, which a
 * test changes to make deliveries fail and succeed again.
 */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  answer(status: number): void;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  let status = 204;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/orgtoken`,
    received,
    answer: (next) => {
      status = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The Standard Webhooks signature a receiver computes from the secret shown once. */
function expectedSignature(secret: string, request: Received): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
  return `v1,${mac.toString('base64')}`;
}

/**
 * Notifications, webhooks, the rotate link of the emails, rotation until first use and
 * stale tokens, in Chromium against a real server process. Webhooks may go to 127.0.0.1
 * here (ORGTOKEN_WEBHOOK_ALLOW_INSECURE), the jobs run every second, and a failed attempt is
 * retried once, a second later, so that a delivery is done within seconds. The browser is on
 * New York time, so that a local time reads as one.
 */
describeWithBrowser(
  'notifications and webhooks in Chromium: settings, signed deliveries, rotate links, stale tokens',
  () => {
    let server: ServerProcess;
    let admin: SessionClient;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let dbFile: string;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

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

    async function choose(select: string | RegExp, option: string, within: Page | Locator = page) {
      await within.getByRole('button', { name: select }).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    }

    function status(text: string | RegExp): Locator {
      return page.getByRole('status').filter({ hasText: text });
    }

    function tokenRow(name: string): Locator {
      return page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    }

    async function createToken(name: string) {
      return expectOk(
        `token ${name}`,
        await admin.call('POST', '/api/v1/orgs/acme/tokens', {
          name,
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
          expiresAt: new Date(Date.now() + 90 * dayMs).toISOString(),
        }),
      ) as { id: string; token: string };
    }

    function me(secret: string): Promise<number> {
      return fetch(`${server.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${secret}` },
      }).then((response) => response.status);
    }

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'orgtoken-notifications-'));
      dbFile = join(dir, 'notifications.db');
      receiver = await startReceiver();
      server = await startServerProcess({
        ...serverEnv(`sqlite:${dbFile}`, people.admin),
        ORGTOKEN_WEBHOOK_ALLOW_INSECURE: 'true',
        ORGTOKEN_JOBS_INTERVAL_SECONDS: '1',
        ORGTOKEN_WEBHOOK_RETRY_SECONDS: '1',
        ORGTOKEN_USAGE_FLUSH_SECONDS: '1',
      });
      admin = await signedIn(server.url, people.admin);
      const self = expectOk('me', await admin.call('GET', '/api/v1/me'));
      for (const [key, name, plan] of [
        ['acme', 'Acme Corp', 'team'],
        ['freeco', 'Free Co', 'free'],
      ] as const) {
        expectOk(`org ${key}`, await admin.call('POST', '/api/v1/orgs', { key, name, plan }));
        expectOk(
          `admin joins ${key}`,
          await admin.call('PUT', `/api/v1/orgs/${key}/members/${self.id}`, { role: 'admin' }),
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
      await receiver?.close();
    });

    it('on the free plan: both pages name the plan needed and offer no form', async () => {
      await go('/orgs/freeco/admin/notifications', 'Notifications');
      const notice = page.getByRole('note').filter({ hasText: 'need the team plan' });
      await notice.waitFor();
      expect(await notice.textContent()).toContain('Free Co is on the Free plan.');
      expect(await page.getByRole('button', { name: 'Save notification settings' }).count()).toBe(
        0,
      );
      await expectAccessible('the notifications page of a free organization');

      await go('/orgs/freeco/admin/webhooks', 'Webhooks');
      await page.getByRole('note').filter({ hasText: 'need the team plan' }).waitFor();
      expect(await page.getByRole('button', { name: 'Add webhook' }).count()).toBe(0);
      await expectAccessible('the webhooks page of a free organization');
    });

    it('notification settings: thresholds added and removed with their messages, stale never, email off, saved', async () => {
      await go('/orgs/acme/admin', 'Scoped Organization Tokens');
      await page
        .getByRole('navigation', { name: 'Administration' })
        .getByRole('link', { name: 'Notifications' })
        .click();
      await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
      const warnings = page.getByRole('list', { name: 'Warnings before expiry' });
      await warnings.waitFor();
      // The defaults: 30, 7 and 1 days, stale after 60 days, admins emailed.
      expect(await warnings.getByRole('listitem').allTextContents()).toEqual([
        '30 days before expiryRemove',
        '7 days before expiryRemove',
        '1 day before expiryRemove',
      ]);
      expect(await page.getByLabel('Days without use', { exact: true }).inputValue()).toBe('60');
      const email = page.getByRole('checkbox', { name: /Email the organization's admins/ });
      expect(await email.isChecked()).toBe(true);
      await expectAccessible('the notifications page');

      const add = page.getByLabel('Add a warning, days before expiry');
      const addButton = page.getByRole('button', { name: 'Add warning' });
      await addButton.click();
      await page.getByText('Enter a number of days.').waitFor();
      await add.fill('400');
      await addButton.click();
      await page.getByText('Enter a whole number of days from 1 to 365.').waitFor();
      expect(await add.getAttribute('aria-invalid')).toBe('true');
      await add.fill('7');
      await addButton.click();
      await page.getByText('There is already a warning 7 days before expiry.').waitFor();
      // Enter in the field adds the warning; it does not save the form.
      await add.fill('14');
      await add.press('Enter');
      await warnings.getByText('14 days before expiry').waitFor();
      expect(await add.inputValue()).toBe('');
      expect(await status('Notification settings saved.').count()).toBe(0);
      await page.getByRole('button', { name: 'Remove the warning 1 day before expiry' }).click();
      expect(await warnings.getByRole('listitem').allTextContents()).toEqual([
        '30 days before expiryRemove',
        '14 days before expiryRemove',
        '7 days before expiryRemove',
      ]);

      // Days without use are checked before sending.
      await page.getByLabel('Days without use', { exact: true }).fill('0');
      await page.getByRole('button', { name: 'Save notification settings' }).click();
      await page
        .getByText('Enter a whole number of days from 1 to 3650, or choose Never.')
        .waitFor();
      await toggle(page.getByRole('radio', { name: 'Never' }));
      expect(await page.getByLabel('Days without use', { exact: true }).count()).toBe(0);
      await toggle(email);
      await page.getByRole('button', { name: 'Save notification settings' }).click();
      await status('Notification settings saved.').waitFor();
      expect(
        expectOk('settings', await admin.call('GET', '/api/v1/orgs/acme/notification-settings')),
      ).toEqual({ expiryWarningDays: [30, 14, 7], staleAfterDays: null, emailAdmins: false });

      // A reload shows what is stored.
      await page.reload();
      await warnings.getByText('14 days before expiry').waitFor();
      expect(await page.getByRole('radio', { name: 'Never' }).isChecked()).toBe(true);
      expect(await email.isChecked()).toBe(false);
      await toggle(page.getByRole('radio', { name: 'After a number of days without use' }));
      await page.getByLabel('Days without use', { exact: true }).fill('45');
      await page.getByRole('button', { name: 'Save notification settings' }).click();
      await status('Notification settings saved.').waitFor();
      const saved = expectOk(
        'settings',
        await admin.call('GET', '/api/v1/orgs/acme/notification-settings'),
      );
      expect(saved.staleAfterDays).toBe(45);
    });

    it('webhooks: refusals beside their field, the secret once, a signed test event, disable, redeliver, delete', async () => {
      await go('/orgs/acme/admin/webhooks', 'Webhooks');
      await page.getByText('No webhooks yet.').waitFor();
      await expectAccessible('the empty webhooks page');
      const url = page.getByLabel('Payload URL');
      const addWebhook = page.getByRole('button', { name: 'Add webhook' });

      // What the form checks itself, then what only the server knows, beside the field.
      await url.fill('hooks.example.com');
      await addWebhook.click();
      await page.getByText('Enter the full address of your receiver').waitFor();
      expect(await url.getAttribute('aria-invalid')).toBe('true');
      await url.fill(receiver.url.replace('http://', 'http://user:secret@'));
      await toggle(page.getByRole('radio', { name: 'Only the events I choose' }));
      await addWebhook.click();
      await page.getByText('Choose at least one event, or all events.').waitFor();
      await toggle(page.getByRole('checkbox', { name: /token\.revoked/ }));
      await toggle(page.getByRole('checkbox', { name: /token\.rotated/ }));
      await addWebhook.click();
      await page.getByText('url must not contain a user name or password').waitFor();
      expect(await url.getAttribute('aria-invalid')).toBe('true');
      expect(await page.content()).not.toContain('/body/');

      // Accepted: the signing secret, once, with the focus on it.
      await url.fill(receiver.url);
      await page.getByLabel('Description (optional)').fill('Chat alerts');
      await addWebhook.click();
      await page.getByRole('heading', { name: `Signing secret of ${receiver.url}` }).waitFor();
      const secretField = page.getByLabel('Webhook signing secret');
      const secret = await secretField.inputValue();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      await expect
        .poll(() =>
          secretField.evaluate((element) => element === element.ownerDocument.activeElement),
        )
        .toBe(true);
      expect(await page.getByText('it will not be shown again').count()).toBe(1);
      await page.getByRole('button', { name: 'Copy', exact: true }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
      const row = page.getByRole('row').filter({ hasText: receiver.url });
      await row.getByText('token.revoked, token.rotated').waitFor();
      await row.getByText('Chat alerts').waitFor();
      await row.getByText('Active').waitFor();
      await expectAccessible('the webhook secret screen');
      const listed = expectOk('webhooks', await admin.call('GET', '/api/v1/orgs/acme/webhooks'));
      const hook = (listed.items as { id: string; events: string[] }[])[0];
      expect(hook?.events).toEqual(['token.revoked', 'token.rotated']);
      expect(JSON.stringify(listed)).not.toContain(secret);

      // A test event: its delivery is listed, in local time, and signed with that secret.
      await page.getByRole('button', { name: `Actions for ${receiver.url}` }).click();
      await page.getByRole('menuitem', { name: 'Send a test event' }).click();
      await status('A test event (webhook.ping) is on its way').waitFor();
      await expect
        .poll(() => new URL(page.url()).pathname)
        .toBe(`/orgs/acme/admin/webhooks/${hook?.id}`);
      const deliveries = page.getByRole('table', { name: /Deliveries to/ });
      const delivered = deliveries.getByRole('row').filter({ hasText: 'Delivered' });
      await delivered.waitFor();
      expect(await delivered.getByRole('rowheader').textContent()).toContain('webhook.ping');
      expect(await delivered.getByRole('cell').nth(1).textContent()).toBe('1');
      expect(await delivered.getByRole('cell').nth(2).textContent()).toBe('204');
      expect(await delivered.getByRole('cell').nth(3).textContent()).toMatch(/^\d+ ms$/);
      expect(await delivered.getByRole('cell').nth(4).textContent()).toMatch(/E[SD]T$/);
      expect(receiver.received).toHaveLength(1);
      const ping = receiver.received[0] as Received;
      expect(JSON.parse(ping.body).type).toBe('webhook.ping');
      expect(ping.headers['webhook-signature']).toBe(expectedSignature(secret, ping));
      await expectAccessible('a webhook and its deliveries');
      // Shown once: a reload has no secret.
      await page.reload();
      await deliveries.waitFor();
      expect(await page.getByLabel('Webhook signing secret').count()).toBe(0);
      expect(await page.content()).not.toContain(secret);

      // Disable and enable again.
      const details = page.getByRole('region', { name: receiver.url, exact: true });
      await details.getByRole('button', { name: 'Disable' }).click();
      await status(`${receiver.url} is disabled`).waitFor();
      await row.getByText('Disabled').waitFor();
      const disabled = expectOk(
        'hook',
        await admin.call('GET', `/api/v1/orgs/acme/webhooks/${hook?.id}`),
      );
      expect(disabled.active).toBe(false);
      await details.getByRole('button', { name: 'Enable' }).click();
      await status(`${receiver.url} is enabled`).waitFor();
      await row.getByText('Active').waitFor();

      // A receiver that fails: retried once, then failed; redelivered with the same webhook-id.
      receiver.answer(500);
      await details.getByRole('button', { name: 'Send a test event' }).click();
      const failed = deliveries.getByRole('row').filter({ hasText: 'Failed' });
      await failed.waitFor();
      expect(await failed.getByRole('cell').nth(1).textContent()).toBe('2');
      expect(await failed.getByRole('cell').nth(2).textContent()).toContain('500');
      const failedId = receiver.received.at(-1)?.headers['webhook-id'];
      receiver.answer(204);
      await failed.getByRole('button', { name: 'Redeliver' }).click();
      await status('webhook.ping is on its way again').waitFor();
      await expect.poll(() => delivered.count(), { timeout: 20_000 }).toBe(2);
      const last = receiver.received.at(-1) as Received;
      expect(last.headers['webhook-id']).toBe(failedId);
      expect(last.headers['webhook-signature']).toBe(expectedSignature(secret, last));

      // Delete, after a confirmation.
      await details.getByRole('button', { name: 'Delete…' }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog
        .getByRole('heading', { name: `Delete the webhook for ${receiver.url}?` })
        .waitFor();
      await expectAccessible('the delete dialog');
      await dialog.getByRole('button', { name: 'Delete webhook' }).click();
      await status(`The webhook for ${receiver.url} is deleted`).waitFor();
      await page.getByText('No webhooks yet.').waitFor();
      expect(new URL(page.url()).pathname).toBe('/orgs/acme/admin/webhooks');
      expect((await admin.call('GET', `/api/v1/orgs/acme/webhooks/${hook?.id}`)).status).toBe(404);
    });

    it('the rotate link of an email opens the rotate dialog, after sign-in too; until first use keeps the old secret', async () => {
      const token = await createToken('nightly deploy');
      // Signed out, as someone following the email's link: sign-in first, then the dialog.
      const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const visitor = await fresh.newPage();
      visitor.setDefaultTimeout(browserStepTimeoutMs);
      await visitor.goto(`${server.url}/orgs/acme/admin/tokens/${token.id}?rotate=1`);
      await visitor.getByLabel('Email').waitFor();
      await signInThroughPage(visitor, people.admin);
      await visitor
        .getByRole('alertdialog')
        .getByRole('heading', { name: 'Rotate “nightly deploy”?' })
        .waitFor();
      await fresh.close();

      await page.goto(`${server.url}/orgs/acme/admin/tokens/${token.id}?rotate=1`);
      const dialog = page.getByRole('alertdialog');
      await dialog.getByRole('heading', { name: 'Rotate “nightly deploy”?' }).waitFor();
      // The address forgets the request: a reload does not ask again.
      await expect.poll(() => new URL(page.url()).searchParams.has('rotate')).toBe(false);
      await toggle(dialog.getByRole('radio', { name: 'Until the new secret is first used' }));
      await dialog.getByText('The current secret stops at the first successful use').waitFor();
      await choose(/Wait for the first use at most/, '3 days', dialog);
      await expectAccessible('the rotate dialog with the first-use option');
      await dialog.getByRole('button', { name: 'Rotate token' }).click();
      await page.getByRole('heading', { name: 'New secret' }).waitFor();
      const next = await page.getByLabel('Token secret').inputValue();

      // The old secret works until the new one is used; then it is refused.
      expect(await me(token.token)).toBe(200);
      expect(await me(next)).toBe(200);
      await expect.poll(() => me(token.token), { timeout: 20_000 }).toBe(401);
      expect(await me(next)).toBe(200);
      await page.reload();
      await page.getByRole('heading', { name: /nightly deploy/, level: 1 }).waitFor();
      expect(await page.getByRole('alertdialog').count()).toBe(0);

      // A revoked token has nothing to rotate, and the page says so.
      expectOk('revoke', await admin.call('DELETE', `/api/v1/orgs/acme/tokens/${token.id}`));
      await page.goto(`${server.url}/orgs/acme/admin/tokens/${token.id}?rotate=1`);
      await page.getByRole('note').filter({ hasText: 'nothing to rotate' }).waitFor();
      expect(await page.getByRole('alertdialog').count()).toBe(0);
    });

    it('a leaked token: marked in the list and on its page, with where it was found', async () => {
      const leaked = await createToken('leaky deployer');
      const revoke = await fetch(`${server.url}/api/v1/credentials/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ credentials: [leaked.token] }),
      });
      expect(revoke.status).toBe(202);
      expect(await me(leaked.token)).toBe(401);
      await go('/orgs/acme/admin/tokens?status=revoked', 'Scoped Organization Tokens');
      await tokenRow('leaky deployer').getByText('Leaked', { exact: true }).waitFor();
      await go(`/orgs/acme/admin/tokens/${leaked.id}`, 'leaky deployer');
      await page
        .getByRole('note')
        .filter({ hasText: 'through the public revocation endpoint' })
        .waitFor();
      await expectAccessible('the page of a leaked token');
    });

    it('stale tokens: a badge, and a filter kept in the address', async () => {
      expectOk(
        'settings',
        await admin.call('PUT', '/api/v1/orgs/acme/notification-settings', {
          expiryWarningDays: [30, 7, 1],
          staleAfterDays: 60,
          emailAdmins: true,
        }),
      );
      const dusty = await createToken('dusty importer');
      await createToken('busy builder');
      // A real server's clock cannot be moved: the token is made 90 days old in its database.
      const db = new Database(dbFile);
      try {
        db.pragma('busy_timeout = 5000');
        db.prepare('update tokens set created_at = ? where id = ?').run(
          new Date(Date.now() - 90 * dayMs).toISOString(),
          dusty.id,
        );
      } finally {
        db.close();
      }

      await go('/orgs/acme/admin/tokens?stale=true', 'Scoped Organization Tokens');
      await tokenRow('dusty importer').getByText('Stale', { exact: true }).waitFor();
      expect(await tokenRow('busy builder').count()).toBe(0);
      expect(await page.getByRole('button', { name: /Stale only/ }).count()).toBe(1);
      await page.getByText('A stale token has not been used for the period set under').waitFor();
      await expectAccessible('the stale filter');

      await choose(/Stale only/, 'Not stale');
      await expect.poll(() => new URL(page.url()).searchParams.get('stale')).toBe('false');
      await tokenRow('busy builder').waitFor();
      expect(await tokenRow('dusty importer').count()).toBe(0);
      await page.reload();
      await tokenRow('busy builder').waitFor();
      expect(await tokenRow('dusty importer').count()).toBe(0);

      await choose(/Not stale/, 'All tokens');
      await expect.poll(() => new URL(page.url()).searchParams.has('stale')).toBe(false);
      await tokenRow('dusty importer').waitFor();
      expect(await tokenRow('dusty importer').getByText('Stale', { exact: true }).count()).toBe(1);
      expect(await tokenRow('busy builder').getByText('Stale', { exact: true }).count()).toBe(0);

      await tokenRow('dusty importer').getByRole('link', { name: 'dusty importer' }).click();
      await page.getByRole('heading', { name: /dusty importer/, level: 1 }).waitFor();
      await page.getByRole('note').filter({ hasText: 'It keeps working' }).waitFor();
    });

    it('at phone width in dark mode: no sideways scroll and no serious findings', async () => {
      const hook = expectOk(
        'webhook',
        await admin.call('POST', '/api/v1/orgs/acme/webhooks', {
          url: `${receiver.url}/a-rather-long-path/that-should-wrap-rather-than-widen-the-page`,
          events: ['*'],
          description: 'Phone check',
        }),
      );
      expectOk('ping', await admin.call('POST', `/api/v1/orgs/acme/webhooks/${hook.id}/ping`));
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
      await go('/orgs/acme/admin/notifications', 'Notifications', phone);
      await phone.getByRole('list', { name: 'Warnings before expiry' }).waitFor();
      await check('the notifications page');
      await go(`/orgs/acme/admin/webhooks/${hook.id}`, 'Webhooks', phone);
      await phone
        .getByRole('table', { name: /Deliveries to/ })
        .getByText('Delivered')
        .waitFor();
      await check('a webhook and its deliveries');
      await go('/orgs/acme/admin/tokens?stale=true', 'Scoped Organization Tokens', phone);
      await phone.getByText('Stale', { exact: true }).first().waitFor();
      await check('the stale filter');
      await phoneContext.close();
    });
  },
);
