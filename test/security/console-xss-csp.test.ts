import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { launchChromium, loginAs, newSession, type Session } from '../console/browser';
import { freePort } from '../helpers/net';
import { login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

/**
 * Issue 14, finding 7: names typed by people (CBO references, drawn areas) and names in the
 * site config reached the map as HTML (Leaflet parses a string tooltip as markup): stored XSS
 * in the control room. The console now builds text nodes, and every response carries a strict
 * Content-Security-Policy, so even markup that got through could run nothing.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const ZONE_XSS = '<img src=x onerror=alert("zone")>';
const PREMISES_XSS = '<img src=x onerror=alert("premises")>';
const CBO_XSS = '<img src=x onerror=alert("cbo")>';
const AREA_XSS = '<svg onload=alert("area")>';
const ATTRIBUTION_XSS = '<img src=x onerror=alert("tiles")>';
/** A 1×1 PNG: the tile server's every answer. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

let gw: Gateway;
let base: string;
let browser: Browser;
let tiles: Server;
let tileRequests = 0;
const sessions: Session[] = [];

beforeAll(async () => {
  // A tile server on another origin, as `console.tileUrl` may name one on the control-room LAN.
  tiles = createServer((_req, res) => {
    tileRequests++;
    res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
  const tilePort = (tiles.address() as AddressInfo).port;
  const deadRtsp = await freePort();
  const t = testConfig((doc) => {
    const zones = doc.zones as Array<Record<string, unknown>>;
    zones.find((z) => z.id === 'market-square')!.name = ZONE_XSS;
    (doc.premises as Array<Record<string, unknown>>).find((p) => p.id === 'prem-002')!.name = PREMISES_XSS;
    doc.cameras = (doc.cameras as Array<Record<string, unknown>>).map((c) => ({ ...c, rtspUrl: `rtsp://127.0.0.1:${deadRtsp}/${String(c.id)}` }));
    doc.console = { tileUrl: `http://127.0.0.1:${tilePort}/{z}/{x}/{y}.png`, tileAttribution: ATTRIBUTION_XSS };
  });
  gw = await startGateway(t.config);
  base = `http://127.0.0.1:${gw.httpPort}`;

  // The police record an order whose reference and drawn area carry markup, as anyone with
  // that right could type it.
  const cookie = await login(gw.httpPort, 'police');
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { data: { id: string } }).data;
  };
  const subject = await post('/api/subjects', {
    status: 'known',
    name: 'Test Subject',
    description: 'for the XSS test',
    features: [],
    sharedWithMembers: false,
  });
  const busStation = (t.config.zones.find((z) => z.id === 'bus-station') ?? t.config.zones[1]!).polygon;
  await post('/api/cbos', {
    subjectId: subject.id,
    conditions: 'Must not enter.',
    reference: CBO_XSS,
    excludedZones: ['market-square'],
    excludedAreas: [{ name: AREA_XSS, polygon: busStation }],
    startsAt: new Date(Date.now() - 86_400_000).toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const s of sessions) await s.context.close().catch(() => undefined);
  await browser?.close();
  await gw?.stop();
  await new Promise((resolve) => tiles?.close(resolve));
});

interface Watched extends Session {
  dialogs: string[];
  violations: () => Promise<string[]>;
}

/** A browser session that records every dialog (and dismisses it) and every CSP violation. */
async function watchedSession(): Promise<Watched> {
  const s = await newSession(browser);
  sessions.push(s);
  const dialogs: string[] = [];
  s.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await s.context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const violations = () => s.page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  return { ...s, dialogs, violations };
}

describe('names on the map are text', () => {
  it('zone, premises, CBO reference, area and tile attribution carrying markup show as text; nothing runs', async () => {
    const s = await watchedSession();
    await loginAs(s.page, base, 'controller');
    await s.page.getByRole('link', { name: /^Map/ }).click();
    const page = s.page;

    // The zone's permanent label shows the name as typed.
    await expect.poll(() => page.locator('.leaflet-tooltip.zone-label').allTextContents()).toContain(ZONE_XSS);

    // The order's tooltips open on hover: both exclusions (the zone and the drawn area).
    // Pointer events dispatched on the shape itself: some premises lie under the exclusion zone.
    const hoverText = async (target: Locator): Promise<string> => {
      await target.dispatchEvent('mouseover');
      const tip = page.locator('.leaflet-tooltip-pane .leaflet-tooltip:not(.zone-label)');
      await tip.first().waitFor({ timeout: 5_000 });
      const text = (await tip.allTextContents()).join('\n');
      await target.dispatchEvent('mouseout');
      await tip.first().waitFor({ state: 'detached', timeout: 5_000 });
      return text;
    };
    const exclusions = page.locator('.leaflet-overlay-pane path.exclusion');
    await expect.poll(() => exclusions.count()).toBe(2);
    const hovered = [await hoverText(exclusions.nth(0)), await hoverText(exclusions.nth(1))].join('\n');
    expect(hovered).toContain(`CBO ${CBO_XSS}`);
    expect(hovered).toContain(AREA_XSS);

    // The premises dots' tooltips.
    const premises = page.locator('.leaflet-overlay-pane path.premises');
    const premisesText: string[] = [];
    for (let i = 0; i < (await premises.count()); i++) premisesText.push(await hoverText(premises.nth(i)));
    expect(premisesText).toContain(`${PREMISES_XSS} (pub)`);

    // The tile server's attribution, and tiles from it: allowed by the policy.
    expect(await page.locator('.leaflet-control-attribution').textContent()).toBe(ATTRIBUTION_XSS);
    await expect.poll(() => tileRequests).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.leaflet-tile-loaded').count()).toBeGreaterThan(0);

    // No injected element exists, no script ran, nothing was refused, nothing went wrong.
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0);
    expect(s.dialogs).toEqual([]);
    expect(await s.violations()).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});

describe('Content-Security-Policy', () => {
  it('every kind of response carries the policy and the other security headers', async () => {
    const html = await (await fetch(`${base}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const urls = ['/', '/map', script!, '/healthz', '/metrics', '/api/me', '/api/nothing-here', '/socket.io/?EIO=4&transport=polling'];
    for (const url of urls) {
      const res = await fetch(`${base}${url}`);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("style-src 'self';");
      expect(csp, url).not.toContain('unsafe-inline');
      expect(csp, url).toMatch(/script-src 'self'( 'wasm-unsafe-eval')?;/);
      // The configured tile server's origin, and nothing wider.
      expect(csp, url).toMatch(/img-src 'self' data: http:\/\/127\.0\.0\.1:\d+;/);
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), url).toBe('no-referrer');
    }
  });

  it('the console runs under it: every panel, the live socket and the camera wall, without a violation', async () => {
    const s = await watchedSession();
    await loginAs(s.page, base, 'controller');
    await expect.poll(() => s.page.locator('#connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    const links = s.page.locator('nav.nav a');
    const count = await links.count();
    expect(count).toBeGreaterThan(4);
    for (let i = 0; i < count; i++) {
      await links.nth(i).click();
      await expect.poll(() => links.nth(i).getAttribute('aria-current')).toBe('');
    }
    // The camera wall opened its video WebSockets (JSMpeg, WebAssembly): the gateway journaled the views.
    await s.page.getByRole('link', { name: /^Cameras/ }).click();
    await expect.poll(() => [...gw.journal.replay()].some((e) => e.type === 'video.view-started' && e.actor === 'controller'), { timeout: 15_000 }).toBe(true);
    await s.page.waitForTimeout(1000);
    expect(await s.violations()).toEqual([]);
    expect(s.errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    expect(s.dialogs).toEqual([]);
  });
});
