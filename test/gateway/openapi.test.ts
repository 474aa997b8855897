import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { HTTP_ROUTES } from '../../gateway/contract/policy';
import { declaredRoutes, type DeclaredRoute } from '../../gateway/http/route-policy';
import { launchChromium, loginAs, newSession, screenshot, type Session } from '../console/browser';
import { loginSession, startGateway, testConfig } from '../helpers/gateway';

/**
 * The REST API documented by the code: every /api route of the route table declares its zod
 * schema, the OpenAPI document lists each of them, requests that break a schema get the API's
 * own 400, and Swagger UI renders for an engineer under the console's strict CSP.
 */

let gw: Gateway;
let base: string;
let browser: Browser | undefined;
const sessions: Session[] = [];

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
});
afterAll(async () => {
  for (const s of sessions) await s.context.close().catch(() => undefined);
  await browser?.close();
  await gw?.stop();
});

const table = (): readonly DeclaredRoute[] => declaredRoutes((gw as unknown as { http: object }).http);
/** Swagger UI's own routes (its page, assets and copy of the document): hidden from the document. */
const isDocsUi = (url: string) => url === '/api/docs' || url.startsWith('/api/docs/');
/** The operations the document must hold: every /api route but Swagger UI's, HEAD twins aside. */
const documented = () => table().filter((r) => r.url.startsWith('/api') && r.method !== 'HEAD' && !isDocsUi(r.url));
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

async function getJson(path: string, cookie?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the route table', () => {
  it('every /api route declares a schema: summary, tags and security, and params for each :param', () => {
    const api = table().filter((r) => r.url.startsWith('/api'));
    expect(api.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const r of api) {
      const key = `${r.method} ${r.url}`;
      const s = r.schema;
      if (!s) {
        missing.push(`${key}: no schema`);
        continue;
      }
      if (isDocsUi(r.url)) {
        if (s.hide !== true) missing.push(`${key}: Swagger UI's route is not hidden`);
        continue;
      }
      if (!s.summary) missing.push(`${key}: no summary`);
      if (!s.tags?.length) missing.push(`${key}: no tags`);
      if (!Array.isArray(s.security)) missing.push(`${key}: no security note`);
      if (r.url.includes(':') && !s.params) missing.push(`${key}: no params schema`);
    }
    expect(missing).toEqual([]);
  });

  it('states login as open and every other /api operation as needing a session or token', () => {
    for (const r of documented()) {
      const security = r.schema!.security as unknown[];
      if (HTTP_ROUTES[`${r.method} ${r.url}`] === 'public') expect(security, r.url).toEqual([]);
      else expect(security, `${r.method} ${r.url}`).toEqual([{ session: [] }, { token: [] }]);
    }
  });
});

describe('GET /api/openapi.json', () => {
  it('is refused without a session, or with a forged one', async () => {
    expect((await getJson('/api/openapi.json')).status).toBe(401);
    const forged = await getJson('/api/openapi.json', 'tw_session=not-a-session');
    expect(forged.status).toBe(401);
    expect(forged.body).toEqual({ error: { code: 'TW_UNAUTHENTICATED', message: 'log in first' } });
  });

  it('gives any logged-in person an OpenAPI 3 document listing every /api route of the route table', async () => {
    const { cookie } = await loginSession(gw.httpPort, 'member');
    const { status, body } = await getJson('/api/openapi.json', cookie);
    expect(status).toBe(200);
    expect(String(body.openapi)).toMatch(/^3\.\d+\.\d+$/);
    const paths = body.paths as Record<
      string,
      Record<string, { summary?: string; tags?: string[]; description?: string; parameters?: Array<{ in: string; name: string }> }>
    >;

    const missing: string[] = [];
    for (const r of documented()) {
      const operation = paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      if (!operation) missing.push(`${r.method} ${r.url}`);
      else if (!operation.summary || !operation.tags?.length) missing.push(`${r.method} ${r.url}: no summary or tags`);
    }
    expect(missing).toEqual([]);

    // Nothing under /api that the route table does not have, and none of Swagger UI's own routes.
    const listed = Object.entries(paths)
      .filter(([p]) => p.startsWith('/api'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(listed.sort()).toEqual(
      documented()
        .map((r) => `${r.method} ${openApiPath(r.url)}`)
        .sort(),
    );

    // Path parameters in {id} form, typed from the zod schema; bodies and queries from the app API's schemas.
    const grade = paths['/api/incidents/{id}/grade']!.post!;
    expect(grade.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id', required: true })]);
    const alert = paths['/api/alerts']!.post! as unknown as {
      requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown>; required: string[] } } } };
    };
    const alertBody = alert.requestBody.content['application/json'].schema;
    expect(Object.keys(alertBody.properties).sort()).toEqual(['priority', 'talkgroups', 'text', 'units']);
    expect(alertBody.required).toEqual(['text']);
    const journalQuery = paths['/api/journal']!.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
    expect(journalQuery.sort()).toEqual(['after', 'limit']);

    // Who may call each operation, from the access policy.
    expect(paths['/api/alerts']!.post!.description).toContain('`alert.send`');
    expect(paths['/api/login']!.post!.description).toContain('Open: no login.');
    const schemes = (body.components as { securitySchemes: Record<string, { type: string; in?: string; name?: string }> }).securitySchemes;
    expect(schemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'tw_session' });
    expect(schemes.token).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('schema validation', () => {
  it('answers a body that breaks its schema with 400 TW_INVALID and one detail per problem, and sends nothing', async () => {
    const s = await loginSession(gw.httpPort, 'controller');
    const before = gw.journal.head.seq;
    const res = await fetch(`${base}/api/alerts`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ text: '', priority: 'loud', units: 'all', extra: true }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; details: string[] } };
    expect(body.error.code).toBe('TW_INVALID');
    expect(body.error.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^text: /),
        expect.stringMatching(/^priority: /),
        expect.stringMatching(/^units: /),
        expect.stringMatching(/^\(root\): .*extra/),
      ]),
    );
    expect(body.error.details).toHaveLength(4);
    expect(body.error.message).toBe(body.error.details.join('; '));
    expect(gw.journal.head.seq).toBe(before);
  });

  it('checks queries too, with the same shape', async () => {
    const { cookie } = await loginSession(gw.httpPort, 'engineer');
    const page = await getJson('/api/journal?limit=0&after=x', cookie);
    expect(page.status).toBe(400);
    const error = page.body.error as { code: string; message: string; details: string[] };
    expect(error.code).toBe('TW_INVALID');
    expect(error.details).toHaveLength(2);
    expect(error.details[0]).toMatch(/^after: /);
    expect(error.details[1]).toMatch(/^limit: /);
    expect(error.message).toBe(error.details.join('; '));
    const police = await loginSession(gw.httpPort, 'police');
    const exported = await getJson('/api/incidents/no-such-incident/export?format=pdf', police.cookie);
    expect(exported.status).toBe(400);
    expect((exported.body.error as { details: string[] }).details).toEqual([expect.stringMatching(/^format: /)]);
  });

  it('decides who may call before it validates: a member gets 403, not the schema', async () => {
    const s = await loginSession(gw.httpPort, 'member');
    const res = await fetch(`${base}/api/alerts`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ nonsense: 1 }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TW_FORBIDDEN');
  });

  it('still takes a valid request, with the schema defaults applied', async () => {
    const s = await loginSession(gw.httpPort, 'controller');
    const res = await fetch(`${base}/api/alerts`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Suspect heading north', units: [gw.config.units[0]!.id] }),
    });
    expect(res.status).toBe(200);
    const alert = ((await res.json()) as { data: { priority: string; text: string } }).data;
    expect(alert).toMatchObject({ priority: 'urgent', text: 'Suspect heading north' });
  });
});

describe('Swagger UI at /api/docs', () => {
  it('is refused to a member (403) and to nobody logged in (401), page, assets and document alike', async () => {
    const { cookie } = await loginSession(gw.httpPort, 'member');
    for (const path of ['/api/docs', '/api/docs/', '/api/docs/json', '/api/docs/static/swagger-ui-bundle.js']) {
      expect((await fetch(`${base}${path}`, { headers: { cookie } })).status, path).toBe(403);
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    }
  });

  it("renders the operations for an engineer in Chromium, under the console's strict CSP, without a violation", async () => {
    browser = await launchChromium();
    const s = await newSession(browser);
    sessions.push(s);
    await s.context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    await loginAs(s.page, base, 'engineer');

    const response = await s.page.goto(`${base}/api/docs`);
    expect(response?.status()).toBe(200);
    const csp = (await response!.allHeaders())['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self'( 'wasm-unsafe-eval')?;/);
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain('unsafe-inline');

    // One block per operation of the document (the /api routes and the probes), and its title.
    const doc = (await getJson('/api/openapi.json', (await loginSession(gw.httpPort, 'engineer')).cookie)).body as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(operations).toBeGreaterThan(documented().length);
    await expect.poll(() => s.page.locator('.opblock').count(), { timeout: 20_000 }).toBe(operations);
    expect(await s.page.locator('.info .title').textContent()).toContain('Townwatch gateway REST API');
    const summaries = await s.page.locator('.opblock-summary-path').allTextContents();
    expect(summaries.map((t) => t.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/api/alerts', '/api/incidents/{id}/grade']));
    // An operation opened: its request body's schema, from the zod schema, renders too.
    const alerts = s.page.locator('.opblock-post', { has: s.page.locator('.opblock-summary-path', { hasText: /^\/api\/alerts$/ }) });
    await alerts.locator('.opblock-summary').first().click();
    await expect.poll(() => alerts.locator('.opblock-body').textContent(), { timeout: 10_000 }).toMatch(/priority[\s\S]*talkgroups/);
    expect(await alerts.locator('.opblock-body').textContent()).toContain('alert.send');
    await screenshot(s.page, 'api-docs');

    expect(await s.page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(s.errors).toEqual([]);
  }, 60_000);
});
