import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { DemoActivity, happening, type DemoActivityOptions } from '../../simulators/demo-activity';
import { DEMO_SUSPECT } from '../../simulators/demo-suspect';
import { Handset } from '../../simulators/radio/handset';
import { PeiSimulator } from '../../simulators/radio/pei-sim';
import { defaultConfigPath, loadConfig } from '../../config/load';
import { demoPassword, eventually, startGateway, testConfig } from '../helpers/gateway';

/**
 * The demo town by itself (issue 16, item 15): on a short schedule, against a real gateway, real
 * MQTT handsets, a TETRA radio behind a PEI control station on a PTY, shop terminals, the CCTV
 * system and people logged in over the API. What a new user should see within minutes: an
 * emergency from each kind of radio, a shop's theft report, and the demo suspect breaching his
 * order, all journaled as real traffic (by the devices' and people's own accounts).
 */
const TETRA_ISSI = 2010; // WARDEN 4, a TETRA radio in the demo town
const MQTT_ISSIS = [2001, 2002];

let gw: Gateway;
let sim: PeiSimulator;
const handsets: Handset[] = [];
let activity: DemoActivity | null = null;
let options: DemoActivityOptions;
const lines: string[] = [];

beforeAll(async () => {
  let link = '';
  const t = testConfig((doc) => {
    link = join((doc.gateway as { dataDir: string }).dataDir, 'pei-1');
    (doc.radio as Record<string, unknown>).controlStations = [{ id: 'pei-1', serialPath: link }];
    doc.demo = { activity: { enabled: true } };
  });
  const config = t.config;
  sim = new PeiSimulator({ path: link, units: [{ issi: TETRA_ISSI, lat: 52.955, lon: -1.15 }], talkgroup: 9001 });
  await sim.start();
  gw = await startGateway(config, { baseDir: t.dir, peiTiming: { keepaliveIdleMs: 1000, keepaliveTimeoutMs: 1000 } });
  await eventually(() => gw.pei.stations[0]?.linkUp, 10_000, 'PEI link up');
  const mqttUrl = `mqtt://127.0.0.1:${gw.broker.port}`;
  for (const issi of MQTT_ISSIS) {
    const h = new Handset({
      url: mqttUrl,
      issi,
      username: `radio-${issi}`,
      password: demoPassword(`radio-${issi}`),
      config,
      startZone: 'market-square',
      seed: issi,
    });
    await h.connect();
    handsets.push(h);
  }
  options = {
    config,
    mqttUrl,
    httpUrl: `http://127.0.0.1:${gw.httpPort}`,
    passwordFor: demoPassword,
    handsets,
    tetra: { sim, issis: [TETRA_ISSI], where: () => ({ lat: 52.9562, lon: -1.1512 }) },
    // Minutes in the demo; a blink here.
    firstAfterMs: 100,
    everyMs: 300,
    cancelAfterMs: 500,
    log: (line) => lines.push(line),
  };
  activity = new DemoActivity(options);
  activity.start();
  // Two rounds: an MQTT and a TETRA emergency, two shop reports, two sightings (a member's, a camera's).
  await eventually(() => events('cctv.sighting').length > 0 && events('radio.emergency', (e) => e.source.startsWith('pei:')).length > 0, 60_000, 'two rounds');
  await eventually(() => events('radio.emergency', (e) => (e.payload as { state: string }).state === 'cancelled').length > 0, 20_000, 'a cancel');
  await activity.stop();
  activity = null;
}, 120_000);

afterAll(async () => {
  await activity?.stop();
  await Promise.all(handsets.map((h) => h.close()));
  await gw?.stop();
  await sim?.stop();
});

function events(type: string, where: (e: JournalEvent) => boolean = () => true): JournalEvent[] {
  return [...gw.journal.replay()].filter((e) => e.type === type && where(e));
}
const payload = <T>(e: JournalEvent) => e.payload as T;
const subjectId = () => events('subject.created').map((e) => payload<{ subjectId: string }>(e).subjectId)[0]!;

describe('the demo by itself', () => {
  it('takes turns: emergency, shop report, sighting; emergencies alternate between MQTT and TETRA', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => happening(n, true))).toEqual([
      { kind: 'emergency', bearer: 'mqtt' },
      { kind: 'report' },
      { kind: 'sighting' },
      { kind: 'emergency', bearer: 'tetra' },
      { kind: 'report' },
      { kind: 'sighting' },
      { kind: 'emergency', bearer: 'mqtt' },
    ]);
    expect(happening(3, false)).toEqual({ kind: 'emergency', bearer: 'mqtt' });
  });

  it('is on in the bundled demo town and off in tests unless asked', () => {
    expect(loadConfig(defaultConfigPath, process.env, { lazyEnv: true }).demo.activity.enabled).toBe(true);
    expect(testConfig().config.demo.activity.enabled).toBe(false);
  });

  it("presses an MQTT handset's emergency button, then cancels it from the handset", () => {
    const mqtt = events('radio.emergency', (e) => e.source === `mqtt:handset-${MQTT_ISSIS[0]}`);
    expect(mqtt.map((e) => payload<{ state: string }>(e).state)).toEqual(['pressed', 'cancelled']);
    expect(events('emergency.raised', (e) => payload<{ unitId: string }>(e).unitId === 'unit-01').length).toBe(1);
  });

  it("raises a TETRA radio's emergency by its LIP report through the control station", () => {
    const tetra = events('radio.emergency', (e) => e.source === 'pei:pei-1');
    expect(tetra.map((e) => [payload<{ issi: number }>(e).issi, payload<{ state: string }>(e).state])).toEqual([[TETRA_ISSI, 'pressed']]);
    expect(
      events('emergency.raised', (e) => payload<{ unitId: string; trigger: string }>(e).unitId === 'unit-10').map(
        (e) => payload<{ trigger: string }>(e).trigger,
      ),
    ).toEqual(['button']);
  });

  it('has a shop terminal report a theft in progress, with a description, which opens an incident', () => {
    const reports = events('shop.report', (e) => e.source.startsWith('mqtt:shop-prem-'));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    const first = payload<{ kind: string; category: string; description: string }>(reports[0]!);
    expect(first).toMatchObject({ kind: 'incident', category: 'theft' });
    expect(first.description).toMatch(/^Theft in progress: .{20,}/);
    expect(reports[0]!.subject).toMatch(/^premises:prem-/);
    expect(events('incident.reported', (e) => e.ref === `inc-${reports[0]!.id}`)).toHaveLength(1);
  });

  it('records the demo suspect as the police would: shared with members, watched, under a CBO', () => {
    const id = subjectId();
    expect(events('subject.created').map((e) => [e.actor, payload<{ name: string }>(e).name])).toEqual([['police', DEMO_SUSPECT.name]]);
    expect(events('subject.shared', (e) => e.ref === id).map((e) => e.actor)).toEqual(['police']);
    expect(events('subject.watched', (e) => e.ref === id).map((e) => e.actor)).toEqual(['police']);
    const order = events('cbo.issued');
    expect(order.map((e) => [e.actor, payload<{ terms: { subjectId: string } }>(e).terms.subjectId])).toEqual([['police', id]]);
  });

  it("breaches his order from a member's report and from a CCTV operator's mark, alerting the radios", async () => {
    const id = subjectId();
    const member = events('shop.report', (e) => e.actor === 'member' && payload<{ subjectId?: string }>(e).subjectId === id);
    expect(member.map((e) => e.subject)).toEqual(['premises:prem-001']);
    const marks = events('cctv.sighting', (e) => payload<{ subjectId?: string }>(e).subjectId === id);
    expect(marks.length).toBeGreaterThan(0);
    expect(payload<{ operator: string }>(marks[0]!).operator).toBe('operator');
    const breaches = events('breach.detected', (e) => payload<{ subjectId: string }>(e).subjectId === id);
    expect(breaches.map((b) => payload<{ zone: string }>(b).zone)).toEqual(expect.arrayContaining(['market-square', 'high-street-south']));
    const alerts = () =>
      events('alert.sent', (e) => e.actor === 'system:breach' && payload<{ text: string }>(e).text.startsWith(`CBO BREACH: ${DEMO_SUSPECT.name}`));
    await eventually(() => alerts().length === breaches.length, 10_000, 'a radio alert per breach');
  });

  it('finds its suspect again when it starts anew (after a restart), recording him once', async () => {
    const again = new DemoActivity({ ...options, firstAfterMs: 60_000, log: (line) => lines.push(line) });
    again.start();
    try {
      await eventually(() => lines.filter((l) => l.includes('is under a CBO')).length >= 2, 20_000, 'the suspect found again');
    } finally {
      await again.stop();
    }
    expect(events('subject.created')).toHaveLength(1);
    expect(events('subject.shared')).toHaveLength(1);
    expect(events('cbo.issued')).toHaveLength(1);
  });
});
