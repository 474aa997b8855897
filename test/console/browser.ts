import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { demoPassword, ROOT } from '../helpers/gateway';

/** Screenshots of the console tests: artifacts (git-ignored), for people to look at. */
export const ARTIFACTS = join(ROOT, 'test/artifacts/console');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Debian Chromium. Playwright starts it with a fresh temporary --user-data-dir, and each
 * person gets their own context (cookies, storage) in it, as separate browsers would.
 */
export async function launchChromium(): Promise<Browser> {
  const buildError = inject('consoleBuildError');
  if (buildError) throw new Error(`the console did not build: ${buildError}`);
  const executablePath = process.env.CHROMIUM_PATH ?? execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  return chromium.launch({ executablePath, args: ARGS, headless: true });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Errors the page logged and uncaught exceptions, for a test to assert there are none. */
  errors: string[];
}

export async function newSession(browser: Browser, viewport = { width: 1920, height: 1080 }): Promise<Session> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    // The console asks /api/me before anyone has logged in: that 401 is expected.
    if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}

/** Logs in through the form, as a person would, and waits for the console shell. */
export async function loginAs(page: Page, base: string, username: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(demoPassword(username));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#user').waitFor({ timeout: 15_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
