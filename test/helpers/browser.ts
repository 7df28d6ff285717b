import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe } from 'vitest';
import {
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from './server-process.js';

/**
 * Sized for a slow machine, not a fast one: with the other core busy, Chromium, the server
 * and axe share one core, and a page step that takes 1 s alone can take 10 s. A step that
 * truly hangs still fails, with the locator it waited for, well inside the test's limit.
 */
export const browserStepTimeoutMs = 45_000;
export const browserTestTimeoutMs = 240_000;

/** Debian's Chromium; never a downloaded browser. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ci = process.env.CI === 'true' || process.env.CI === '1';

/**
 * A browser suite: skipped loudly on a laptop without Chromium, and a failure under CI=true,
 * where a skip would hide that the UI was never tested.
 */
export function describeWithBrowser(name: string, suite: () => void): void {
  if (existsSync(chromiumPath)) {
    describe(name, { timeout: browserTestTimeoutMs }, suite);
    return;
  }
  if (ci)
    throw new Error(
      `CI=true but Chromium is not at ${chromiumPath}: browser tests cannot be skipped in CI`,
    );
  console.warn(
    `\n!!! ${chromiumPath} is missing: the browser suite "${name}" is SKIPPED. apt-get install chromium !!!\n`,
  );
  describe.skip(name, suite);
}

/** Headless Chromium, with its calls home turned off (this machine's network is closed). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface AccessibilityFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A and AA). */
export async function seriousAccessibilityFindings(page: Page): Promise<AccessibilityFinding[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

export const people = {
  admin: { email: 'ada@example.com', password: 'correct-horse-battery' },
  member: { email: 'mia@example.com', password: 'member-password-42', name: 'Mia Member' },
};

export const projectKeys = ['backend-api', 'backend-worker', 'web-frontend', 'docs-site'];

export interface UiWorld {
  server: ServerProcess;
  admin: SessionClient;
  /** The instance admin's user id (it is also an admin of acme). */
  adminId: string;
  memberId: string;
  stop(): Promise<void>;
}

/**
 * A real server process on a fresh SQLite file: an instance admin, the enterprise
 * organization "acme" with four projects, and a plain member. Usage is flushed every second
 * so "last used" shows up quickly.
 */
export async function startUiWorld(): Promise<UiWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-ui-'));
  const server = await startServerProcess({
    ...serverEnv(`sqlite:${join(dir, 'ui.db')}`, people.admin),
    ORGTOKEN_USAGE_FLUSH_SECONDS: '1',
  });
  const admin = await signedIn(server.url, people.admin);
  const expectOk = (what: string, result: { status: number; body: unknown }) => {
    if (result.status >= 300)
      throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body as Record<string, unknown>;
  };
  const me = expectOk('me', await admin.call('GET', '/api/v1/me'));
  expectOk(
    'org',
    await admin.call('POST', '/api/v1/orgs', {
      key: 'acme',
      name: 'Acme Corp',
      plan: 'enterprise',
    }),
  );
  expectOk(
    'admin joins',
    await admin.call('PUT', `/api/v1/orgs/acme/members/${me.id}`, { role: 'admin' }),
  );
  for (const key of projectKeys) {
    expectOk(
      `project ${key}`,
      await admin.call('POST', '/api/v1/orgs/acme/projects', { key, name: key.replace('-', ' ') }),
    );
  }
  const member = expectOk(
    'member user',
    await admin.call('POST', '/api/v1/users', { ...people.member }),
  );
  expectOk(
    'member joins',
    await admin.call('PUT', `/api/v1/orgs/acme/members/${member.id}`, { role: 'member' }),
  );
  return {
    server,
    admin,
    adminId: String(me.id),
    memberId: String(member.id),
    stop: async () => {
      await server.stop();
    },
  };
}

/** Signs in through the sign-in page, as a person would. */
export async function signInThroughPage(page: Page, who: { email: string; password: string }) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
