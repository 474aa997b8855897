import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { PeiSimulator } from '../../simulators/radio/pei-sim';
import { eventually, startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * Issue 21's acceptance in a real Chromium: a talkgroup of 10 TETRA radios behind a control
 * station (the PEI simulator on a socat PTY). One radio's send fails with `+CME ERROR: 37`, one
 * answers with a short report; the controller's console shows 9 delivered and 1 failed, with
 * the reason, within 5 s of pressing Send.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let sim: PeiSimulator;
let browser: Browser;
let s: Session | undefined;

beforeAll(async () => {
  const t = testConfig((doc) => {
    // Every unit carries a TETRA terminal and none has been heard: the alert must still reach it.
    for (const u of doc.units as Array<Record<string, unknown>>) u.bearer = 'tetra';
  });
  const link = join(t.dir, 'pei-1');
  const config = {
    ...t.config,
    radio: {
      ...t.config.radio,
      controlStations: [{ id: 'pei-1', serialPath: link, baudRate: 115200, optionalCommands: ['AT+CTOM?'], talkgroups: ['tg-town'], issiRanges: [] }],
    },
  };
  // Answering as a Motorola terminal: echo on at power-up, AT+CTOM? refused, SDS only after AT+CTSDS.
  sim = new PeiSimulator({ path: link, units: [], talkgroup: 9001, profile: 'motorola' });
  await sim.start();
  gw = await startGateway(config, { baseDir: t.dir, peiTiming: { keepaliveIdleMs: 2000, keepaliveTimeoutMs: 2000 } });
  await eventually(() => gw.pei.stations[0]?.linkUp, 15_000, 'PEI link up');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await s?.context.close().catch(() => undefined);
  await browser?.close();
  await gw?.stop();
  await sim?.stop();
});

describe('an alert to a talkgroup of 10 TETRA radios', () => {
  it('shows 9 delivered and 1 failed (+CME ERROR: 37) in the console within 5 s', async () => {
    sim.outcomes.set(2003, { cme: 37 });
    sim.outcomes.set(2004, { reply: 'short' });
    s = await newSession(browser);
    await loginAs(s.page, `http://127.0.0.1:${gw.httpPort}`, 'controller');
    await s.page.goto(`http://127.0.0.1:${gw.httpPort}/alerts`);
    await s.page.locator('#alert-text').fill('Shoplifter, green parka, heading to the bus station');
    await s.page.getByLabel('Town Net').check();
    await s.page.getByRole('button', { name: 'Send alert' }).click();
    await s.page.locator('#alert-confirm[open]').waitFor();
    expect(await s.page.locator('#alert-confirm-text').textContent()).toMatch(/alert to 10 radios \(talkgroups: Town Net\)/);

    await s.page.getByRole('button', { name: 'Send to 10 radios' }).click();
    const card = s.page.locator('.alert-card', { hasText: 'green parka' });
    // The bar: the controller sees every radio's outcome within 5 s of sending.
    await expect.poll(() => card.locator('p.muted').textContent(), { timeout: 5_000, interval: 100 }).toBe('9 delivered · 1 failed');

    const failed = card.locator('[data-status="failed"]');
    expect(await failed.getAttribute('data-unit')).toBe('unit-03');
    expect(await failed.locator('.delivery-reason').textContent()).toBe(' +CME ERROR: 37');
    // The radio that answered with a short report counts as delivered like the rest.
    expect(await card.locator('[data-unit="unit-04"]').getAttribute('data-status')).toBe('delivered');
    expect(await card.locator('[data-status="delivered"]').count()).toBe(9);
    expect(s.errors).toEqual([]);
    // Every radio had its own SDS: a talkgroup SDS carries no per-radio report.
    const to = new Set(sim.submissions.filter((c) => c.decoded.kind === 'tl-transfer').map((c) => c.to));
    expect([...to].sort()).toEqual([2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2010]);
    await screenshot(s.page, 'tetra-alert');
  });
});
