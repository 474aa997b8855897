import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../gateway/contract/events';
import { liveEventPermission, MQTT_CONSOLE_READ, routePolicy } from '../../gateway/contract/policy';
import { renderPolicyMarkdown, withPolicySection } from '../../gateway/contract/policy-md';
import { TOPICS } from '../../gateway/contract/topics';
import { declareRoutePolicies } from '../../gateway/http/route-policy';
import { hashPassword } from '../../gateway/auth/password';
import { TokenAuth } from '../../gateway/region/auth';
import { buildRegionHttp } from '../../gateway/region/api';
import { ROOT } from '../helpers/gateway';

describe('the access policy', () => {
  it('refuses to register a route it does not name (fail closed at startup)', async () => {
    const app = Fastify();
    declareRoutePolicies(app, routePolicy, 'policy.ts');
    expect(() => app.get('/api/backdoor', async () => ({ data: 'secrets' }))).toThrow(/GET \/api\/backdoor has no access policy/);
    app.get('/api/me', async () => ({ data: 'me' }));
    await app.ready();
    expect(app.hasRoute({ method: 'GET', url: '/api/backdoor' })).toBe(false);
    await app.close();
  });

  it('guards every event that carries personal data in the live picture, beyond live.view, unless reviewed here', () => {
    // Seen by every live role on purpose: where units are (the live map is what live.view is), who
    // reported a camera fault, a TAK client's address (the engineer's work); the rest never reach a
    // console (HIDDEN) and stay whole in the raw journal.
    const reviewed = [
      ...['radio.position', 'unit.lost-contact'],
      ...['cctv.fault', 'tak.client-connected'],
      ...['mqtt.connected', 'mqtt.disconnected', 'quarantine.message'],
    ];
    const unguarded = Object.entries(EVENTS)
      .filter(([, spec]) => spec.privacy.personal.length > 0 || spec.privacy.positions.length > 0 || spec.privacy.header === 'subject')
      .map(([type]) => type)
      .filter((type) => liveEventPermission(type) === null && !reviewed.includes(type));
    expect(unguarded).toEqual([]);
  });

  it('names a read rule for every contract topic', () => {
    expect(TOPICS.map((t) => t.name).filter((name) => !(name in MQTT_CONSOLE_READ))).toEqual([]);
    expect(Object.keys(MQTT_CONSOLE_READ).filter((name) => !TOPICS.some((t) => t.name === name))).toEqual([]);
  });

  it('README "Who can see and do what" is the table generated from the policy (npm run policy:docs)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(renderPolicyMarkdown());
    expect(withPolicySection(readme)).toBe(readme);
  });
});

describe('the regional API', () => {
  it('decides on the matched route: /%61pi/sites needs a token like /api/sites (finding 4)', async () => {
    // No database is reached: every request here is refused before a handler runs.
    const pool = new Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 200 });
    const hash = await hashPassword('right-token', { N: 1024, r: 8, p: 1 });
    const app = await buildRegionHttp({ pool, auth: new TokenAuth([{ name: 'analyst', hash }]), log: pino({ level: 'silent' }) });
    try {
      for (const url of ['/api/sites', '/%61pi/sites', '/%61pi/subjects?q=red', '/api/sites/demo-town/incidents', '/%61pi/sites/demo-town/chain-breaks']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(401);
        const wrong = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer analyst:wrong' } });
        expect(wrong.statusCode, url).toBe(401);
      }
      expect((await app.inject({ method: 'GET', url: '/api/nothing' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await pool.end();
    }
  });
});
