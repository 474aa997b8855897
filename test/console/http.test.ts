import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { hashPassword } from '../../gateway/auth/password';
import type { SessionInfo, SiteInfo } from '../../gateway/contract/api';
import { loginSession, ROOT, startGateway, testConfig, withCsrf } from '../helpers/gateway';

/** The console as the gateway serves it, and the HTTP rules it relies on: CSRF, the site, roles. */
let gw: Gateway;
let base: string;
const TOKEN = 'controller-api-token-for-tests';

beforeAll(async () => {
  const buildError = inject('consoleBuildError');
  if (buildError) throw new Error(`the console did not build: ${buildError}`);
  const tokenHash = await hashPassword(TOKEN, { N: 1024, r: 8, p: 1 });
  const t = testConfig((doc) => {
    const controller = (doc.accounts as Array<Record<string, unknown>>).find((a) => a.username === 'controller')!;
    controller.apiTokenHash = tokenHash;
  });
  gw = await startGateway(t.config);
  base = `http://127.0.0.1:${gw.httpPort}`;
});
afterAll(async () => {
  await gw.stop();
});

describe('the console web app', () => {
  it('is served at /, with its assets, and bookmarkable panel paths get the same page', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('<div id="app"');
    const script = /<script type="module"[^>]* src="([^"]+)"/.exec(html)?.[1];
    expect(script).toMatch(/^\/assets\/.+\.js$/);
    const js = await fetch(`${base}${script!}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);

    const deep = await fetch(`${base}/alerts`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);
  });

  it('loads nothing from the internet: the bundle carries its libraries', () => {
    const html = readFileSync(join(ROOT, 'console/dist/index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('keeps API, socket and video paths out of the single-page fallback', async () => {
    const api = await fetch(`${base}/api/nope`, { headers: { authorization: `Bearer controller:${TOKEN}` } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'TW_NOT_FOUND' } });
    // Another server on this port (the video relay) owns /video: never answer it with the app.
    expect(await (await fetch(`${base}/video/cam-01`)).text()).not.toContain('<div id="app"');
    expect((await fetch(`${base}/missing.js`)).status).toBe(404);
  });
});

describe('CSRF protection', () => {
  it('gives the token at login and from /api/me, with the idle timeout', async () => {
    const { cookie, csrf } = await loginSession(gw.httpPort, 'controller');
    expect(csrf).toMatch(/^[\w-]{20,}$/);
    const me = (await (await fetch(`${base}/api/me`, { headers: { cookie } })).json()) as { data: SessionInfo };
    expect(me.data).toMatchObject({
      username: 'controller',
      consoleRole: 'controller',
      csrfToken: csrf,
      sessionTtlMinutes: gw.config.gateway.sessionTtlMinutes,
    });
  });

  it("refuses a state change made with the cookie alone, or with another session's token", async () => {
    const a = await loginSession(gw.httpPort, 'controller');
    const b = await loginSession(gw.httpPort, 'controller');
    const alert = { text: 'CSRF probe', talkgroups: ['tg-town'] };
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(alert) });
    const bare = await post({ cookie: a.cookie });
    expect(bare.status).toBe(403);
    expect(await bare.json()).toMatchObject({ error: { code: 'TW_CSRF' } });
    expect((await post({ cookie: a.cookie, 'x-csrf-token': b.csrf })).status).toBe(403);
    expect((await post({ cookie: a.cookie, 'x-csrf-token': a.csrf })).status).toBe(200);
    // Logout is a state change too.
    expect((await fetch(`${base}/api/logout`, { method: 'POST', headers: { cookie: b.cookie } })).status).toBe(403);
    expect((await fetch(`${base}/api/logout`, { method: 'POST', headers: withCsrf(b.cookie) })).status).toBe(200);
    const sent = [...gw.journal.replay()].filter((e) => e.type === 'alert.sent' && (e.payload as { text: string }).text === 'CSRF probe');
    expect(sent).toHaveLength(1);
  });

  it('does not ask API-token callers for one: they carry no ambient credential', async () => {
    const res = await fetch(`${base}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer controller:${TOKEN}` },
      body: JSON.stringify({ text: 'token caller', talkgroups: ['tg-town'] }),
    });
    expect(res.status).toBe(200);
    const me = (await (await fetch(`${base}/api/me`, { headers: { authorization: `Bearer controller:${TOKEN}` } })).json()) as { data: SessionInfo };
    expect(me.data.csrfToken).toBeNull();
  });
});

describe('GET /api/site', () => {
  it('draws the town for the control room from the config, without camera addresses', async () => {
    const { cookie } = await loginSession(gw.httpPort, 'operator');
    const site = ((await (await fetch(`${base}/api/site`, { headers: { cookie } })).json()) as { data: SiteInfo }).data;
    expect(site.site.name).toBe(gw.config.site.name);
    expect(site.zones.map((z) => z.id)).toEqual(gw.config.zones.map((z) => z.id));
    expect(site.zones[0]!.polygon.length).toBeGreaterThanOrEqual(4);
    expect(site.premises).toHaveLength(gw.config.premises.length);
    expect(site.cameras.map((c) => c.id)).toEqual(gw.config.cameras.map((c) => c.id));
    expect(site.units.map((u) => u.callsign)).toContain('PC 1234');
    expect(site.talkgroups.map((t) => t.id)).toEqual(['tg-town', 'tg-police']);
    expect(site.console.tileUrl).toBeNull();
    expect(JSON.stringify(site)).not.toMatch(/rtsp/);
  });

  it('gives a member the zones and premises, not the units, cameras or talkgroups', async () => {
    const { cookie } = await loginSession(gw.httpPort, 'member');
    const site = ((await (await fetch(`${base}/api/site`, { headers: { cookie } })).json()) as { data: SiteInfo }).data;
    expect(site.zones.length).toBe(gw.config.zones.length);
    expect(site.premises.length).toBe(gw.config.premises.length);
    expect(site).toMatchObject({ units: [], cameras: [], talkgroups: [] });
  });

  it('is not open to anyone without a session', async () => {
    expect((await fetch(`${base}/api/site`)).status).toBe(401);
  });
});
