import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const webDist = fileURLToPath(new URL('../../web/dist', import.meta.url));
const phone = { width: 390, height: 844 };
/** The budget of docs/web-ui.md "Bundle": minified, before gzip. */
const signInBudgetBytes = 200_000;

/** The JavaScript that web/dist/index.html loads: its module scripts and modulepreloads. */
function initialScripts(): { file: string; bytes: number }[] {
  const html = readFileSync(join(webDist, 'index.html'), 'utf8');
  const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
  return tags
    .filter((tag) => tag.startsWith('<script') || /rel="modulepreload"/.test(tag))
    .map((tag) => /(?:src|href)="([^"]+)"/.exec(tag)?.[1])
    .filter((file): file is string => file?.endsWith('.js') === true)
    .map((file) => ({ file, bytes: statSync(join(webDist, file)).size }));
}

describe('the built web UI', () => {
  it('keeps the initial JavaScript of the sign-in page within 200 kB', () => {
    const scripts = initialScripts();
    expect(scripts.length).toBeGreaterThan(0);
    const total = scripts.reduce((sum, script) => sum + script.bytes, 0);
    expect(total, JSON.stringify(scripts)).toBeLessThanOrEqual(signInBudgetBytes);
  });
});

describeWithBrowser('web UI at phone width and in dark mode', () => {
  let world: UiWorld;
  let browser: Browser;
  let tokenId: string;

  async function signedInPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: phone, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(browserStepTimeoutMs);
    await page.goto(`${world.server.url}/signin`);
    await signInThroughPage(page, people.admin);
    await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
    return page;
  }

  /** Every page of the UI, and what shows that it has loaded what it lists. */
  function pages(): { path: string; ready: (page: Page) => Locator }[] {
    const admin = '/orgs/acme/admin';
    return [
      { path: '/', ready: (page) => page.getByRole('link', { name: 'Acme Corp' }).first() },
      {
        path: '/orgs/acme/projects',
        ready: (page) => page.getByRole('link', { name: 'backend api' }),
      },
      {
        path: '/orgs/acme/projects/backend-api',
        ready: (page) => page.getByRole('table', { name: 'Issues' }),
      },
      {
        path: `${admin}/tokens`,
        ready: (page) => page.getByRole('link', { name: 'CI backend', exact: true }),
      },
      { path: `${admin}/tokens/new`, ready: (page) => page.getByLabel('Search projects') },
      {
        path: `${admin}/tokens/${tokenId}`,
        ready: (page) => page.getByRole('heading', { name: /CI backend/, level: 1 }),
      },
      {
        path: `${admin}/tokens/${tokenId}/edit`,
        ready: (page) => page.getByRole('button', { name: 'Save changes' }),
      },
      { path: `${admin}/members`, ready: (page) => page.getByRole('row', { name: /Mia Member/ }) },
      {
        path: `${admin}/policy`,
        ready: (page) => page.getByRole('button', { name: 'Save policy' }),
      },
      {
        path: `${admin}/audit`,
        ready: (page) => page.getByRole('cell', { name: 'member.role_changed' }),
      },
      { path: '/account/tokens', ready: (page) => page.getByLabel('Token name') },
      {
        path: '/admin/audit',
        ready: (page) => page.getByRole('cell', { name: 'org.created' }).first(),
      },
      {
        path: '/no/such/page',
        ready: (page) => page.getByRole('heading', { name: 'Page not found' }),
      },
    ];
  }

  /**
   * What sticks out of the viewport: the page's own width, and any control cut off. A string,
   * evaluated in the page: the tests are compiled without the DOM's types.
   */
  function sideways(page: Page): Promise<{ scrollWidth: number; width: number; cut: string[] }> {
    return page.evaluate(`(() => {
      const width = window.innerWidth;
      const cut = [...document.querySelectorAll('input, textarea, button, select, table')]
        .map((element) => ({ element, box: element.getBoundingClientRect() }))
        .filter(({ box }) => box.width > 0 && (box.right > width + 0.5 || box.left < -0.5))
        // react-aria's hidden native controls sit in a 1 px box, out of sight on purpose.
        .filter(({ element }) => {
          for (let node = element.parentElement; node; node = node.parentElement)
            if (node.getBoundingClientRect().width <= 1) return false;
          return true;
        })
        .map(({ element, box }) => element.outerHTML.slice(0, 80) + ' ends at ' + box.right);
      return { scrollWidth: document.documentElement.scrollWidth, width, cut };
    })()`);
  }

  beforeAll(async () => {
    world = await startUiWorld();
    browser = await launchBrowser();
    const expectOk = (what: string, result: { status: number; body: Record<string, unknown> }) => {
      if (result.status >= 300)
        throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
      return result.body;
    };
    const created = expectOk(
      'token',
      await world.admin.call('POST', '/api/v1/orgs/acme/tokens', {
        name: 'CI backend',
        description: 'GitHub Actions of the backend, with a description long enough to wrap',
        permissions: ['analysis:execute', 'project:browse'],
        projects: { mode: 'selected', keys: ['backend-api', 'backend-worker'] },
        expiresAt: null,
      }),
    );
    tokenId = String(created.id);
    expectOk(
      'token edit',
      await world.admin.call('PATCH', `/api/v1/orgs/acme/tokens/${tokenId}`, {
        projects: { mode: 'selected', keys: ['backend-api'] },
      }),
    );
    // A real analysis, so the project page has its tables of analyses and issues.
    const reports = await lintFixture();
    const upload = await fetch(
      `${world.server.url}/api/v1/orgs/acme/projects/backend-api/analyses?format=sarif&branch=main`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${created.token}`, 'content-type': 'application/json' },
        body: reports.eslintSarif,
      },
    );
    expect(upload.status).toBe(201);
    expectOk(
      'promote',
      await world.admin.call('PUT', `/api/v1/orgs/acme/members/${world.memberId}`, {
        role: 'admin',
      }),
    );
  }, browserTestTimeoutMs);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('loads no more than the 200 kB budget of JavaScript to show the sign-in page', async () => {
    const context = await browser.newContext({ viewport: phone });
    const page = await context.newPage();
    page.setDefaultTimeout(browserStepTimeoutMs);
    const scripts: Promise<number>[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        scripts.push(response.body().then((body) => body.length));
    });
    await page.goto(`${world.server.url}/signin`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const sizes = await Promise.all(scripts);
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(signInBudgetBytes);
    expect(await seriousAccessibilityFindings(page), 'the sign-in page').toEqual([]);
    await context.close();
  });

  it('fits every page into 390 × 844 without sideways scrolling or accessibility findings', async () => {
    const page = await signedInPage();
    for (const { path, ready } of pages()) {
      await page.goto(`${world.server.url}${path}`);
      await ready(page).waitFor();
      expect(await sideways(page), path).toEqual({
        scrollWidth: phone.width,
        width: phone.width,
        cut: [],
      });
      expect(await seriousAccessibilityFindings(page), path).toEqual([]);
    }
    // A confirmation dialog fits too.
    await page.goto(`${world.server.url}/orgs/acme/admin/tokens/${tokenId}`);
    await page.getByRole('button', { name: 'Revoke…' }).click();
    await page.getByRole('alertdialog').waitFor();
    expect((await sideways(page)).cut).toEqual([]);
    expect(await seriousAccessibilityFindings(page), 'the revoke dialog').toEqual([]);
    await page.context().close();
  });

  it('keeps every page readable in dark mode, at phone width', async () => {
    const page = await signedInPage({ colorScheme: 'dark' });
    const background = await page.evaluate(
      'getComputedStyle(document.documentElement).backgroundColor',
    );
    expect(background).toBe('rgb(13, 17, 23)');
    for (const { path, ready } of pages()) {
      await page.goto(`${world.server.url}${path}`);
      await ready(page).waitFor();
      expect(await seriousAccessibilityFindings(page), path).toEqual([]);
    }
    await page.context().close();
  });

  it('folds the administration sections into a menu button that the keyboard opens', async () => {
    const page = await signedInPage();
    await page.goto(`${world.server.url}/orgs/acme/admin/tokens`);
    const sections = page.getByRole('navigation', { name: 'Administration' });
    const menu = sections.getByRole('button', { name: /^Administration/ });
    await menu.waitFor();
    expect(await menu.textContent()).toContain('Scoped Organization Tokens');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await sections.getByRole('link', { name: 'Members' }).isVisible()).toBe(false);

    await menu.focus();
    await page.keyboard.press('Enter');
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    const members = sections.getByRole('link', { name: 'Members' });
    await members.waitFor();
    for (let presses = 0; presses < 10; presses++) {
      if (await members.evaluate((link) => link === link.ownerDocument.activeElement)) break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    // Following a link folds the menu away again, now naming the new section.
    await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('false');
    expect(await menu.textContent()).toContain('Members');

    // On a wide screen the sections are a sidebar, with no button.
    await page.setViewportSize({ width: 1280, height: 900 });
    await sections.getByRole('link', { name: 'Audit log' }).waitFor();
    expect(await sections.getByRole('button').count()).toBe(0);
    await page.context().close();
  });

  it("shows times in the browser's time zone, named, with the ISO time kept", async () => {
    const page = await signedInPage({ timezoneId: 'Asia/Tokyo' });
    await page.goto(`${world.server.url}/orgs/acme/admin/members`);
    const added = page.getByRole('row', { name: /Mia Member/ }).locator('time');
    const iso = await added.getAttribute('datetime');
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const tokyo = new Intl.DateTimeFormat('en', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
      timeZone: 'Asia/Tokyo',
    }).format(new Date(iso ?? ''));
    expect(tokyo).toContain('GMT+9');
    expect(await added.textContent()).toBe(tokyo);
    expect(await added.getAttribute('title')).toBe(iso);
    expect(await page.locator('main').textContent()).not.toContain('UTC');
    await page.context().close();
  });

  it('reads audit details as labelled values and changes as old → new, not JSON', async () => {
    const page = await signedInPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${world.server.url}/orgs/acme/admin/audit`);
    const promoted = page.getByRole('row', { name: /member\.role_changed/ });
    await promoted.waitFor();
    expect(await promoted.textContent()).toContain('Changed: member → admin');
    const edited = page.getByRole('row', { name: /token\.updated/ });
    expect(await edited.textContent()).toContain(
      'Projects: backend-api, backend-worker → backend-api',
    );
    const created = page.getByRole('row', { name: /token\.created/ });
    expect(await created.textContent()).toContain('Permissions: analysis:execute, project:browse');
    expect(await created.textContent()).toContain('Expires at: none');
    expect(await page.locator('main').textContent()).not.toMatch(/[{}"]/);
    await page.context().close();
  });
});

describeWithBrowser('first-run setup page after a refused password', () => {
  it('signs in on the first click once the password is long enough', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgtoken-setup-'));
    const server = await startServerProcess({ DATABASE_URL: `sqlite:${join(dir, 'setup.db')}` });
    const browser = await launchBrowser();
    try {
      const link = /(http:\/\/\S+\/setup#code=\S+)/.exec(server.output())?.[1];
      expect(link).toBeDefined();
      const page = await (
        await browser.newContext({ viewport: { width: 1280, height: 900 } })
      ).newPage();
      page.setDefaultTimeout(browserStepTimeoutMs);
      await page.goto(link ?? '');
      await page.getByLabel('Your name').fill('Grace Admin');
      await page.getByLabel('Email').fill('grace@example.com');
      await page.getByLabel('Password').fill('short');
      const button = page.getByRole('button', { name: 'Create admin and sign in' });
      await button.click();
      await page.getByText('The password needs at least 12 characters.').waitFor();
      expect(await seriousAccessibilityFindings(page), 'the refused setup form').toEqual([]);

      // Fixed while the focus is still in the field: the message goes as the fix is typed,
      // so nothing moves when the click takes the focus away.
      await page.getByLabel('Password').fill('a-long-enough-password');
      expect(await page.getByText('The password needs at least 12 characters.').count()).toBe(0);
      const before = await button.boundingBox();
      await page.getByLabel('Password').blur();
      expect(await button.boundingBox()).toEqual(before);
      await page.getByLabel('Password').focus();
      // What the click set going, for the failure's message: whether the form was sent at
      // all (a lost click) or the server's answers were slow or refused.
      const calls: string[] = [];
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (url.pathname.startsWith('/api/')) {
          calls.push(`${response.request().method()} ${url.pathname} ${response.status()}`);
        }
      });
      const clickedAt = Date.now();
      await button.click();
      try {
        await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
      } catch (error) {
        const alerts = await page.getByRole('alert').allInnerTexts();
        throw new Error(
          `no Organizations heading ${Date.now() - clickedAt} ms after the click; at ${page.url()}; API answers: ${calls.join(', ') || 'none'}; alerts: ${alerts.join(' | ') || 'none'}`,
          { cause: error },
        );
      }
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
