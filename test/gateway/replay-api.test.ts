import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { REPLAY_MAX_EVENTS } from '../../gateway/api/replay-api';
import { rolesWith } from '../../gateway/contract/policy';
import type { ConsoleEvent } from '../../gateway/contract/socket';
import type { IncidentRecord } from '../../gateway/contract/tracking';
import type { JournalEvent } from '../../gateway/journal/types';
import { connectMqtt, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

/**
 * `GET /api/replay`: the map's events between two past moments, for the console's player. Only
 * the roles that may replay (positions then are personal data) get them, callers never, and each
 * read is journaled with who read it.
 */
let gw: Gateway;
let radio: MqttClient;
const cookies = new Map<string, string>();
const USERS = { controller: 'controller', 'cctv-operator': 'operator', 'security-manager': 'secmgr', police: 'police', engineer: 'engineer', member: 'member' };

beforeAll(async () => {
  const t = testConfig();
  gw = await startGateway(t.config, { baseDir: t.dir });
  for (const [role, user] of Object.entries(USERS)) cookies.set(role, await login(gw.httpPort, user));
  radio = await connectMqtt(gw.broker.port, 'radio-2002');
});
afterAll(async () => {
  await radio?.endAsync(true);
  await gw?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();
const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));

async function get<T>(role: string, path: string): Promise<{ status: number; data: T; error?: { message: string } }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, { headers: { cookie: cookies.get(role)! } });
  const body = (await res.json()) as { data: T; error?: { message: string } };
  return { status: res.status, data: body.data, ...(body.error ? { error: body.error } : {}) };
}

interface Page {
  from: string;
  until: string;
  complete: boolean;
  earliest: string | null;
  events: ConsoleEvent[];
}

async function fix(lat: number): Promise<JournalEvent> {
  const before = journal('radio.position').length;
  await radio.publishAsync('tw/v1/radio/2002/position', JSON.stringify({ lat, lon: -1.147, accuracyM: 5, fixTime: new Date().toISOString() }), { qos: 1 });
  return eventually(() => journal('radio.position')[before], 10_000, 'the fix journaled');
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GET /api/replay', () => {
  let fixes: JournalEvent[];
  let incident: IncidentRecord;

  beforeAll(async () => {
    fixes = [];
    fixes.push(await fix(52.951));
    await pause(20);
    const cookie = cookies.get('controller')!;
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/incidents`, {
      method: 'POST',
      headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: '101',
        category: 'theft',
        description: 'Shoplifter left with razors',
        place: { premisesId: 'prem-004' },
        caller: { name: 'Pat Lee', phone: '07700 900456' },
      }),
    });
    incident = ((await res.json()) as { data: IncidentRecord }).data;
    await pause(20);
    fixes.push(await fix(52.952));
    await pause(20);
    fixes.push(await fix(52.953));
    await eventually(() => gw.journal.pendingCount === 0, 5000, 'commits');
  });

  it('sends the map events of (from, to], as the live stream would, with no caller, and journals who read them', async () => {
    const from = fixes[0]!.ts; // exclusive: the state at `from` already holds the first fix
    const to = fixes[2]!.ts;
    const r = await get<Page>('police', `/api/replay?from=${iso(from)}&to=${iso(to)}`);
    expect(r.status).toBe(200);
    expect(r.data.complete).toBe(true);
    expect(r.data.until).toBe(iso(to));
    expect(Date.parse(r.data.earliest!)).toBe([...gw.journal.replay()][0]!.ts);
    const positions = r.data.events.filter((e) => e.type === 'radio.position');
    expect(positions.map((e) => e.seq)).toEqual([fixes[1]!.seq, fixes[2]!.seq]);
    const reported = r.data.events.find((e) => e.type === 'incident.reported');
    expect(reported?.ref).toBe(incident.incidentId);
    expect(JSON.stringify(reported)).not.toMatch(/Pat Lee|900456/);
    // Only what the map draws: no logins, no texts, no replay reads of its own.
    for (const e of r.data.events) expect(e.type).toMatch(/^(radio\.position|emergency\.|incident\.|cbo\.|track\.|breach\.)/);
    expect(r.data.events.every((e) => e.ts > from && e.ts <= to)).toBe(true);
    const read = journal('state.replay', (e) => e.actor === 'police').at(-1)!;
    expect(read.payload).toEqual({ from: iso(from), to: iso(to), events: r.data.events.length });
  });

  it('answers only the roles that may replay: the engineer sees the live map but not the past', async () => {
    const from = iso(fixes[0]!.ts - 1000);
    const to = iso(fixes[2]!.ts);
    const allowed = new Set<string>(rolesWith('replay.view'));
    expect(allowed).toEqual(new Set(['controller', 'cctv-operator', 'security-manager', 'police']));
    for (const role of Object.keys(USERS)) {
      const replayed = await get<Page>(role, `/api/replay?from=${from}&to=${to}`);
      const past = await get<unknown>(role, `/api/state?at=${to}`);
      expect(replayed.status, role).toBe(allowed.has(role) ? 200 : 403);
      expect(past.status, role).toBe(allowed.has(role) ? 200 : 403);
    }
    expect((await get<unknown>('engineer', '/api/state')).status).toBe(200);
    // A refused read leaves no trace of data, and no replay read is journaled for it.
    expect(journal('state.replay', (e) => e.actor === 'engineer' || e.actor === 'member')).toEqual([]);
  });

  it('refuses a stretch that is backwards, longer than 2 h, in the future or not a time, with the reason', async () => {
    const t = fixes[1]!.ts;
    const cases: Array<[string, RegExp]> = [
      [`from=${iso(t)}&to=${iso(t - 1000)}`, /to: must be after from/],
      [`from=${iso(t - 3 * 3_600_000)}&to=${iso(t)}`, /at most 120 minutes/],
      [`from=${iso(Date.now())}&to=${iso(Date.now() + 3_600_000)}`, /must not be in the future/],
      [`from=yesterday&to=${iso(t)}`, /from/],
      [`to=${iso(t)}`, /from/],
      [`from=${iso(t - 1000)}&to=${iso(t)}&newest=yes`, /newest/],
    ];
    for (const [query, message] of cases) {
      const r = await get<Page>('controller', `/api/replay?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.error?.message, query).toMatch(message);
    }
  });

  it(`cuts a busy stretch after ${REPLAY_MAX_EVENTS} events at a whole millisecond, so the next stretch misses and repeats nothing`, async () => {
    // A burst of fixes journaled straight in (the broker's rate limit would spread them out).
    const start = Date.now();
    await pause(5);
    const burst = [];
    for (let i = 0; i < REPLAY_MAX_EVENTS + 300; i++) {
      burst.push(
        gw.journal.append({
          source: 'mqtt',
          type: 'radio.position',
          actor: 'radio-2002',
          subject: 'radio:2002',
          payload: { issi: 2002, lat: 52.95 + i * 1e-6, lon: -1.147, accuracyM: 5, fixTime: new Date().toISOString() },
        }),
      );
    }
    const appended = (await Promise.all(burst)).map((e) => e.seq).sort((a, b) => a - b);
    await pause(5);
    const end = Date.now();
    const first = await get<Page>('controller', `/api/replay?from=${iso(start)}&to=${iso(end)}`);
    expect(first.status).toBe(200);
    expect(first.data.complete).toBe(false);
    expect(first.data.events.length).toBeLessThanOrEqual(REPLAY_MAX_EVENTS);
    const until = Date.parse(first.data.until);
    expect(first.data.events.every((e) => e.ts <= until)).toBe(true);
    const second = await get<Page>('controller', `/api/replay?from=${first.data.until}&to=${iso(end)}`);
    expect(second.data.complete).toBe(true);
    const seqs = [...first.data.events, ...second.data.events].filter((e) => e.type === 'radio.position').map((e) => e.seq);
    expect(seqs).toEqual(appended);
    // A trail up to a moment keeps the newest instead, oldest first, and says where it starts.
    const trail = await get<Page>('controller', `/api/replay?from=${iso(start)}&to=${iso(end)}&newest=1`);
    expect(trail.status).toBe(200);
    expect(trail.data.complete).toBe(false);
    expect(trail.data.until).toBe(iso(end));
    const trailStart = Date.parse(trail.data.from);
    expect(trailStart).toBeGreaterThan(start);
    expect(trail.data.events.every((e) => e.ts > trailStart)).toBe(true);
    const trailSeqs = trail.data.events.map((e) => e.seq);
    expect(trailSeqs).toEqual([...trailSeqs].sort((x, y) => x - y));
    expect(trailSeqs.at(-1)).toBe(appended.at(-1));
    // And the stretch before it joins it exactly.
    const before = await get<Page>('controller', `/api/replay?from=${iso(start)}&to=${trail.data.from}`);
    expect([...before.data.events, ...trail.data.events].filter((e) => e.type === 'radio.position').map((e) => e.seq)).toEqual(appended);
  });
});
