import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import type { Config } from '../../config/schema';
import type { Gateway } from '../../gateway/app';
import { demoPassword, ROOT, startGateway, testConfig } from '../helpers/gateway';

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

/** One rule axe found broken at a serious or critical level, with where (CSS selectors) and why. */
export interface A11yViolation {
  id: string;
  impact: 'serious' | 'critical';
  help: string;
  nodes: Array<{ target: string; summary: string }>;
}

const AXE_SOURCE = join(ROOT, 'node_modules/axe-core/axe.min.js');
let axeSource: string | undefined;

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules, and best practices) on the page as it is now and
 * returns the serious and critical violations. The source is injected once per document; a
 * navigation or reload drops it, so it is injected again when missing.
 */
export async function axeViolations(page: Page): Promise<A11yViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  // Not page.addScriptTag: the console's Content-Security-Policy (script-src 'self') refuses an
  // inline script, as it should. Evaluated through the DevTools protocol, the page's CSP stays on.
  if (!loaded) await page.evaluate((source) => (0, eval)(source) as unknown, (axeSource ??= readFileSync(AXE_SOURCE, 'utf8')));
  return page.evaluate(async () => {
    interface AxeResult {
      id: string;
      impact?: string | null;
      help: string;
      nodes: Array<{ target: unknown[]; failureSummary?: string }>;
    }
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeResult[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact as 'serious' | 'critical',
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), summary: n.failureSummary ?? '' })),
      }));
  });
}

/** Violations as lines a person reads in a failed assertion: rule, impact, element. */
export const describeViolations = (vs: A11yViolation[]): string[] => vs.flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}): ${n.target}`));

/**
 * The gateway-plus-Chromium setup the console tests share: a gateway on the demo town with free
 * ports, one Chromium, a fresh context per person (closed after each test), all stopped at the end.
 * Call at the top of a test file; the getters are valid inside tests and hooks.
 */
export function consoleSuite(config: () => Config = () => testConfig().config): {
  readonly gw: Gateway;
  readonly base: string;
  readonly browser: Browser;
  /** A new person's browser context, logged in through the form when a username is given. */
  session: (username?: string, viewport?: { width: number; height: number }) => Promise<Session>;
} {
  let gw: Gateway | undefined;
  let browser: Browser | undefined;
  const sessions: Session[] = [];
  beforeAll(async () => {
    gw = await startGateway(config());
    browser = await launchChromium();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.context.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });
  const suite = {
    get gw() {
      if (!gw) throw new Error('consoleSuite: the gateway is not started yet (use it inside a test or hook)');
      return gw;
    },
    get base() {
      return `http://127.0.0.1:${suite.gw.httpPort}`;
    },
    get browser() {
      if (!browser) throw new Error('consoleSuite: Chromium is not started yet (use it inside a test or hook)');
      return browser;
    },
    async session(username?: string, viewport?: { width: number; height: number }) {
      const s = await newSession(suite.browser, viewport);
      sessions.push(s);
      if (username) await loginAs(s.page, suite.base, username);
      return s;
    },
  };
  return suite;
}

/**
 * The controls in `scope` (visible, enabled fields, buttons and links) that Tab never reaches
 * from the top of the page: each must be reachable by keyboard alone. Radio buttons count as
 * one stop per group, as the browser tabs them. Returns each missed control's label or text.
 */
export async function keyboardUnreachable(page: Page, scope = 'main', maxTabs = 400): Promise<string[]> {
  const total = await page.evaluate((sel) => {
    const w = window as unknown as { __kbSeen: Set<number>; __kbListener?: (e: FocusEvent) => void };
    const root = document.querySelector(sel);
    if (!root) throw new Error(`keyboardUnreachable: no ${sel} on the page`);
    const controls = Array.from(root.querySelectorAll<HTMLElement>('input, select, textarea, button, a[href]')).filter((el) => {
      if ((el as HTMLInputElement).disabled || el.closest('[inert], [hidden]') || el.getClientRects().length === 0) return false;
      const input = el as HTMLInputElement;
      if (input.type === 'hidden') return false;
      // One stop per radio group: the checked one, else the first.
      if (input.type === 'radio' && input.name) {
        const group = Array.from(root.querySelectorAll<HTMLInputElement>(`input[type=radio][name="${CSS.escape(input.name)}"]`));
        return input === (group.find((r) => r.checked) ?? group[0]);
      }
      return true;
    });
    controls.forEach((el, i) => (el.dataset.kbStop = String(i)));
    w.__kbSeen = new Set();
    if (w.__kbListener) document.removeEventListener('focusin', w.__kbListener);
    w.__kbListener = (e: FocusEvent) => {
      const i = (e.target as HTMLElement | null)?.dataset?.kbStop;
      if (i !== undefined) w.__kbSeen.add(Number(i));
    };
    document.addEventListener('focusin', w.__kbListener);
    (document.activeElement as HTMLElement | null)?.blur();
    return controls.length;
  }, scope);
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    if (i % 20 === 19 && (await page.evaluate(() => (window as unknown as { __kbSeen: Set<number> }).__kbSeen.size)) === total) break;
  }
  return page.evaluate((sel) => {
    const seen = (window as unknown as { __kbSeen: Set<number> }).__kbSeen;
    const missed = Array.from(document.querySelectorAll<HTMLElement>(`${sel} [data-kb-stop]`)).filter((el) => !seen.has(Number(el.dataset.kbStop)));
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-kb-stop]'))) delete el.dataset.kbStop;
    return missed.map(
      (el) =>
        `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.getAttribute('aria-label') ?? (el as HTMLInputElement).labels?.[0]?.textContent ?? el.textContent ?? '').trim().slice(0, 40)}"`,
    );
  }, scope);
}

/**
 * Records the kind of every tone the page starts (WebAudio oscillator types: the emergency's
 * square, the breach's sawtooth, the chime's sine), before any of its scripts run; read with
 * `tonesPlayed`.
 */
export async function recordTones(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __tones: string[] };
    w.__tones = [];
    const create = Object.getOwnPropertyDescriptor(BaseAudioContext.prototype, 'createOscillator')!.value as (this: BaseAudioContext) => OscillatorNode;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      const osc = create.call(this);
      const start = osc.start.bind(osc);
      osc.start = (when?: number) => {
        w.__tones.push(osc.type);
        start(when);
      };
      return osc;
    };
  });
}

export const tonesPlayed = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __tones: string[] }).__tones);
