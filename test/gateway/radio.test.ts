import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { Handset } from '../../simulators/radio/handset';
import { PeiSimulator } from '../../simulators/radio/pei-sim';
import { ManualClock } from '../helpers/clock';
import { demoPassword, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

let gw: Gateway;
let sim: PeiSimulator;
let link: string;
/** Re-alerts and alert timeouts run on this clock: the tests move it on instead of waiting. */
const clock = new ManualClock();
const handsets: Handset[] = [];

// unit-09 (ISSI 2009) and unit-10 (2010) carry TETRA radios behind the control station.
const PEI_ISSI = 2009;

beforeAll(async () => {
  const t = testConfig((doc) => {
    const radio = doc.radio as Record<string, unknown>;
    // The timeout passes only when the test moves the clock on, after the confirming radios answered.
    radio.alertTimeoutSeconds = 5;
  });
  link = join(t.dir, 'pei-1');
  const config = {
    ...t.config,
    radio: {
      ...t.config.radio,
      controlStations: [{ id: 'pei-1', serialPath: link, baudRate: 115200, optionalCommands: [], talkgroups: ['tg-town'], issiRanges: [] }],
    },
  };
  sim = new PeiSimulator({
    path: link,
    units: [
      { issi: 2009, lat: 52.955, lon: -1.15 },
      { issi: 2010, lat: 52.955, lon: -1.15 },
    ],
    talkgroup: 9001,
  });
  await sim.start();
  gw = await startGateway(config, { baseDir: t.dir, peiTiming: { keepaliveIdleMs: 1000, keepaliveTimeoutMs: 1000 }, clock });
  await eventually(() => gw.pei.stations[0]?.linkUp, 10_000, 'PEI link up');
});
afterAll(async () => {
  await Promise.all(handsets.map((h) => h.close().catch(() => undefined)));
  await gw.stop();
  await sim.stop();
});

function handset(issi: number, opts: { acknowledge?: boolean } = {}): Handset {
  const unit = gw.config.units.find((u) => u.issi === issi)!;
  const talkgroups = unit.talkgroups.map((id) => gw.config.talkgroups.find((t) => t.id === id)!.gssi);
  const h = new Handset({
    url: `mqtt://127.0.0.1:${gw.broker.port}`,
    issi,
    username: `radio-${issi}`,
    password: demoPassword(`radio-${issi}`),
    config: gw.config,
    startZone: gw.config.zones[0]!.id,
    seed: issi,
    talkgroups,
    ...opts,
  });
  handsets.push(h);
  return h;
}

const events = (type: string, where: (e: JournalEvent) => boolean = () => true): JournalEvent[] =>
  [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const unit = (issi: number) => gw.projections.units.unitByIssi(issi)!;
const byIssi = (issi: number) => (e: JournalEvent) => (e.payload as { issi?: number }).issi === issi;

async function api(
  cookie: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: { data?: unknown; error?: { code: string } } }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookie), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; error?: { code: string } } };
}

describe('a TETRA radio through the PEI control station', () => {
  it('moves, changes status, talks and raises an emergency: projection and journal show each', async () => {
    await sim.sendPosition(PEI_ISSI, { lat: 52.9561, lon: -1.1512, speedKmh: 5, headingDeg: 90 });
    await eventually(() => unit(PEI_ISSI).fix?.lat !== undefined && Math.abs(unit(PEI_ISSI).fix!.lat - 52.9561) < 1e-4, 10_000, 'PEI fix');
    expect(unit(PEI_ISSI).bearer).toBe('pei');
    const pos = events('radio.position', byIssi(PEI_ISSI)).at(-1)!;
    expect(pos.source).toBe('pei:pei-1');
    expect((pos.payload as { raw: { header: string; pdu: string } }).raw.pdu).toMatch(/^0A/i); // the wire, kept for re-checking

    await sim.sendStatus(PEI_ISSI, 32769);
    await eventually(() => unit(PEI_ISSI).state === 'en-route', 10_000, 'PEI status');

    await sim.startPtt(PEI_ISSI, 9001);
    await eventually(() => unit(PEI_ISSI).talking?.talkgroup === 9001, 10_000, 'PEI talking');
    await sim.stopPtt(PEI_ISSI);
    await eventually(() => unit(PEI_ISSI).talking === null, 10_000, 'PEI stopped talking');

    await sim.sendPosition(PEI_ISSI, { lat: 52.9562, lon: -1.1512, reason: 2 }); // LIP reason 2: emergency
    const em = await eventually(() => gw.projections.emergencies.openFor('unit-09'), 10_000, 'PEI emergency');
    expect(em).toMatchObject({ issi: PEI_ISSI, trigger: 'button', state: 'open' });
  });
});

describe('an MQTT handset', () => {
  it('moves, changes status, talks and raises an emergency; a repeat press attaches to it', async () => {
    const h = handset(2001);
    await h.connect();
    await h.move(5);
    await h.status(32770);
    await h.ptt('start', 9001);
    await eventually(() => unit(2001).fix !== null && unit(2001).state === 'on-scene' && unit(2001).talking !== null, 10_000, 'handset state');
    const commits: string[][] = [];
    gw.bus.on('committed', 'test-commits', (batch) => commits.push(batch.filter((e) => byIssi(2001)(e)).map((e) => e.type)));
    await h.emergency('pressed');
    const em = await eventually(() => gw.projections.emergencies.openFor('unit-01'), 10_000, 'emergency');
    await h.emergency('pressed');
    await eventually(() => gw.projections.emergencies.get(em.id)!.presses === 2, 10_000, 'repeat attached');
    gw.bus.removeOwner('test-commits');
    expect(events('emergency.raised', (e) => (e.payload as { unitId: string }).unitId === 'unit-01')).toHaveLength(1);
    // Each decision is committed with its press, in the same transaction, right after it.
    expect(commits.filter((types) => types.length > 0)).toEqual([
      ['radio.emergency', 'emergency.raised'],
      ['radio.emergency', 'emergency.repeat'],
    ]);
    const presses = events('radio.emergency', byIssi(2001));
    const decisions = [...events('emergency.raised', byIssi(2001)), ...events('emergency.repeat', byIssi(2001))];
    expect(decisions.map((e) => [e.seq, (e.payload as { causeSeq: number }).causeSeq])).toEqual(presses.map((p) => [p.seq + 1, p.seq]));
  });

  it('re-alerts an unacknowledged emergency, then acknowledge → resolve journals each step with its actor', async () => {
    const em = gw.projections.emergencies.openFor('unit-01')!;
    // Due `emergencyRealertSeconds` after it was raised (its journal time); checked every second.
    const due = em.lastAlertAt + gw.config.radio.emergencyRealertSeconds * 1000;
    const realerts = () => events('emergency.realert', (e) => e.ref === em.id);
    await clock.advance(due - 1000 - clock.now());
    expect(realerts()).toEqual([]);
    while (realerts().length === 0 && clock.now() < due + 2000) await clock.advance(1000);
    expect(realerts()).toHaveLength(1);
    expect(clock.now()).toBeGreaterThanOrEqual(due);
    const cookie = await login(gw.httpPort, 'controller');
    // Resolving before anyone owns it is refused.
    expect((await api(cookie, 'POST', `/api/emergencies/${em.id}/resolve`, { outcome: 'genuine', note: 'n/a' })).status).toBe(409);
    const member = await login(gw.httpPort, 'member');
    expect((await api(member, 'POST', `/api/emergencies/${em.id}/acknowledge`)).status).toBe(403);

    const ack = await api(cookie, 'POST', `/api/emergencies/${em.id}/acknowledge`);
    expect(ack.status).toBe(200);
    expect(ack.body.data).toMatchObject({ state: 'acknowledged', owner: 'controller' });
    expect((await api(cookie, 'POST', `/api/emergencies/${em.id}/acknowledge`)).status).toBe(409);
    // Resolving needs a note: refused without one, and the emergency stays open.
    const bare = await api(cookie, 'POST', `/api/emergencies/${em.id}/resolve`, { outcome: 'false' });
    expect(bare.status).toBe(400);
    expect(JSON.stringify(bare.body)).toMatch(/a note is required to resolve an emergency/);
    expect(gw.projections.emergencies.get(em.id)!.state).toBe('acknowledged');
    const resolved = await api(cookie, 'POST', `/api/emergencies/${em.id}/resolve`, { outcome: 'false', note: 'pocket press' });
    expect(resolved.body.data).toMatchObject({ state: 'resolved', outcome: 'false', resolvedBy: 'controller' });

    const steps = [...gw.journal.replay()].filter((e) => e.ref === em.id).map((e) => [e.type, e.actor]);
    expect(steps).toContainEqual(['emergency.acknowledged', 'controller']);
    expect(steps).toContainEqual(['emergency.resolved', 'controller']);
    expect(gw.projections.emergencies.openFor('unit-01')).toBeUndefined();
  });

  it('raises a new emergency for a press that arrives while the last one is being resolved', async () => {
    const h = handsets.find((x) => x.issi === 2001)!;
    await h.emergency('pressed');
    const first = await eventually(() => gw.projections.emergencies.openFor('unit-01'), 10_000, 'emergency');
    const cookie = await login(gw.httpPort, 'controller');
    expect((await api(cookie, 'POST', `/api/emergencies/${first.id}/acknowledge`)).status).toBe(200);
    // The resolve is appended, not yet committed, when the next press comes in.
    const release = gw.journal.holdCommits();
    const resolving = api(cookie, 'POST', `/api/emergencies/${first.id}/resolve`, { outcome: 'genuine', note: 'dealt with' });
    await eventually(() => gw.journal.urgentCount === 1, 10_000, 'the resolve queued');
    const pressed = h.emergency('pressed'); // acknowledged once committed
    await eventually(() => gw.journal.urgentCount === 2, 10_000, 'the press queued behind it');
    release();
    await pressed;
    expect((await resolving).status).toBe(200);
    const next = await eventually(() => gw.projections.emergencies.openFor('unit-01'), 10_000, 'a new emergency');
    expect(next.id).not.toBe(first.id);
    expect(gw.projections.emergencies.get(first.id)).toMatchObject({ state: 'resolved', presses: 1 });
    expect(next).toMatchObject({ state: 'open', presses: 1 });
  });
});

describe('alerts', () => {
  it('reach every radio in the talkgroup over both bearers; one that never confirms ends timed out', async () => {
    const members = gw.config.units.filter((u) => u.talkgroups.includes('tg-town'));
    expect(members.length).toBeGreaterThan(3);
    // Every MQTT member online and confirming, except unit 2's handset, which never confirms.
    for (const u of members.filter((m) => m.issi !== 2001 && m.issi !== PEI_ISSI && m.issi !== 2010)) {
      const h = handset(u.issi, { acknowledge: u.issi !== 2002 });
      await h.connect();
    }
    await sim.sendPosition(2010, { lat: 52.955, lon: -1.15 }); // heard through PEI, so it gets an SDS
    await eventually(() => unit(2010).bearer === 'pei');

    const cookie = await login(gw.httpPort, 'controller');
    const sent = await api(cookie, 'POST', '/api/alerts', { text: 'Suspect heading to Market Square', talkgroups: ['tg-town'] });
    expect(sent.status).toBe(200);
    const alertId = (sent.body.data as { id: string }).id;
    expect((sent.body.data as { sentBy: string }).sentBy).toBe('controller');

    const sds = await sim.waitForCmgs((c) => c.to === PEI_ISSI, 5000);
    expect(JSON.stringify(sds.decoded)).toContain('Suspect heading to Market Square');
    for (const h of handsets.filter((x) => x.client)) {
      await eventually(() => h.received.some((m) => m.msgId === alertId), 10_000, `alert at ${h.issi}`);
    }
    await eventually(
      () => gw.projections.alerts.get(alertId)!.recipients.every((r) => r.status !== 'pending' || r.issi === 2002),
      20_000,
      'every confirming radio settled',
    );
    expect(gw.projections.alerts.get(alertId)!.recipients.find((r) => r.issi === 2002)?.status).toBe('pending');
    await clock.advancePastReal(gw.projections.alerts.get(alertId)!.timeoutMs!);
    const final = gw.projections.alerts.get(alertId)!;
    const status = Object.fromEntries(final.recipients.map((r) => [r.issi, r.status]));
    expect(status[2002]).toBe('timed-out');
    expect(status[PEI_ISSI]).toBe('delivered');
    expect(status[2010]).toBe('delivered');
    for (const u of members.filter((m) => ![2002, 2001].includes(m.issi))) expect(status[u.issi], `unit ${u.issi}`).toBe('delivered');
    const got = await api(cookie, 'GET', `/api/alerts/${alertId}`);
    expect((got.body.data as { recipients: unknown[] }).recipients).toHaveLength(members.length);
  });
});

describe('the PEI link', () => {
  it('is journaled down when the port vanishes and up when it returns, and events flow again', async () => {
    await sim.vanish();
    await eventually(() => !gw.pei.stations[0]!.linkUp, 15_000, 'link down');
    await gw.journal.flush(); // the link state is set at once; its journal event commits a moment later
    await sim.restore();
    await eventually(() => gw.pei.stations[0]!.linkUp, 15_000, 'link up again');
    await gw.journal.flush(); // the link state is set at once; its journal event commits a moment later
    const states = events('radio.link').map((e) => (e.payload as { state: string }).state);
    expect(states.slice(-2)).toEqual(['down', 'up']);
    await sim.sendStatus(2010, 32771);
    await eventually(() => unit(2010).state === 'busy', 10_000, 'events after restore');
  });

  it('marks a modem that stops answering as down', async () => {
    sim.setFault('no-answer', true);
    await eventually(() => !gw.pei.stations[0]!.linkUp, 15_000, 'no-answer link down');
    await gw.journal.flush(); // the link state is set at once; its journal event commits a moment later
    const last = events('radio.link').at(-1)!;
    expect(last.payload).toMatchObject({ state: 'down' });
    sim.setFault('no-answer', false);
    await eventually(() => gw.pei.stations[0]!.linkUp, 15_000, 'link back');
  });

  it('quarantines a garbled line from the radio with its reason, and the link stays up', async () => {
    const before = events('quarantine.message').length;
    sim.setFault('wrong-bits', true);
    await sim.sendPosition(2010, { lat: 52.955, lon: -1.15 });
    sim.setFault('wrong-bits', false);
    const q = await eventually(
      () =>
        events('quarantine.message')
          .slice(before)
          .find((e) => (e.payload as { kind: string }).kind === 'pei'),
      10_000,
      'PEI quarantine',
    );
    expect((q.payload as { reason: string }).reason).toMatch(/bit/i);
    expect(gw.pei.stations[0]!.linkUp).toBe(true);
  });
});
