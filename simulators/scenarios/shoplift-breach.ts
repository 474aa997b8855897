import mqtt, { type MqttClient } from 'mqtt';
import type { LonLat } from '../../config/geo';
import type { Config } from '../../config/schema';
import type { ConsoleEvent } from '../../gateway/contract/socket';
import { Handset } from '../radio/handset';
import { ConsoleClient } from './console-client';

/**
 * Scripted scenario "shoplift-breach", over the real wire protocols: a man under a CBO that
 * bans him from the Bus Station steals from the FreshWay Supermarket (shop terminal, MQTT),
 * is reported by the bookmaker's on Bridge Street (MQTT), marked by a CCTV operator on the
 * Bridge Street camera (MQTT) and by an officer on the radio (Socket.IO command), then walks
 * into the Bus Station (CCTV): breach alarm on the console, alert on the police talkgroup.
 * The controller grades the incident, takes the quickest unit by walking time (not the one
 * across the canal, nearer as the crow flies) and dispatches it; it walks in and is on scene.
 */

export interface ScenarioOptions {
  mqttUrl: string;
  httpUrl: string;
  config: Config;
  passwordFor: (username: string) => string;
  /** Pause between steps so people can follow on the console (tests: 0). */
  stepMs?: number;
  log?: (line: string) => void;
}

export interface ScenarioResult {
  subjectId: string;
  cboId: string;
  breachId: string;
  incidentId: string;
  ranking: Array<{ unitId: string; travelSeconds: number; straightLineM: number }>;
  dispatched: string;
  /** Just before the dispatch: for time travel. */
  beforeDispatch: string;
  alarm: ConsoleEvent;
  radioAlert: { issi: number; text: string };
  dispatchMessage: { issi: number; text: string };
  exports: { geojson: string; cot: string; eido: string };
  stateBeforeDispatch: { incidentState: string; unitState: string };
}

/** Where the units stand when it starts. The towpath is 120 m from the Bus Station but a 6-minute walk. */
const UNITS: Array<{ issi: number; at: LonLat }> = [
  { issi: 2001, at: [-1.1485, 52.9519] }, // PC 1234, Canal Side towpath
  { issi: 2002, at: [-1.15, 52.955] }, // PC 2781, Market Square
  { issi: 2005, at: [-1.15, 52.958] }, // PCSO 5188, Queen Street
];
/** The way from the Market Square down the High Street into the Bus Station. */
const WALK_IN: LonLat[] = [
  [-1.15, 52.9535],
  [-1.149, 52.953],
];
const AVAILABLE = 32768;
const ON_SCENE = 32770;

async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`scenario: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function device(url: string, username: string, password: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { username, password, clientId: `${username}-scenario`, reconnectPeriod: 0 });
}

async function fix(h: Handset, at: LonLat): Promise<void> {
  const payload = { lat: at[1], lon: at[0], accuracyM: 5, speedKmh: 4, headingDeg: 0, fixTime: new Date().toISOString() };
  await h.client!.publishAsync(`tw/v1/radio/${h.issi}/position`, JSON.stringify(payload), { qos: 1 });
}

export async function runShopliftBreach(o: ScenarioOptions): Promise<ScenarioResult> {
  const log = o.log ?? (() => undefined);
  const pause = () => new Promise((r) => setTimeout(r, o.stepMs ?? 0));
  const closers: Array<() => Promise<unknown> | void> = [];
  try {
    const person = (u: string) => ConsoleClient.login(o.httpUrl, u, o.passwordFor(u));
    const [police, controller] = await Promise.all([person('police'), person('controller')]);
    await Promise.all([police.connect(), controller.connect()]);
    closers.push(
      () => police.close(),
      () => controller.close(),
    );
    const gssis = o.config.talkgroups.map((t) => t.gssi);
    const handsets = UNITS.map(
      ({ issi }) =>
        new Handset({
          url: o.mqttUrl,
          issi,
          username: `radio-${issi}`,
          password: o.passwordFor(`radio-${issi}`),
          config: o.config,
          startZone: o.config.zones[0]!.id,
          seed: issi,
          clientId: `radio-${issi}-scenario`,
          talkgroups: gssis,
        }),
    );
    for (const h of handsets) {
      await h.connect();
      closers.push(() => h.close());
    }
    await Promise.all(
      handsets.map(async (h, i) => {
        await h.status(AVAILABLE);
        await fix(h, UNITS[i]!.at);
      }),
    );
    log('units on patrol: PC 1234 on the towpath, PC 2781 in the Market Square, PCSO 5188 in Queen Street');

    const subject = await police.post<{ id: string }>('/api/subjects', {
      status: 'known',
      name: 'Jordan Reece',
      aliases: ['JJ'],
      dob: '1994-05-01',
      photoRef: 'demo/jordan-reece.jpg',
      description: 'White male, early 30s, slim, grey hoodie, black baseball cap',
      features: ['build:slim', 'clothing:grey-hoodie'],
      markers: ['shoplifting'],
      sharedWithMembers: true,
    });
    const cbo = await police.post<{ id: string }>('/api/cbos', {
      subjectId: subject.id,
      state: 'issued',
      reference: `DT/${new Date().getFullYear()}/0042`,
      conditions: 'Must not enter the Bus Station. Must not enter any shop he has been excluded from.',
      excludedZones: ['bus-station'],
      startsAt: new Date(Date.now() - 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() + 180 * 86_400_000).toISOString(),
    });
    log(`police: subject ${subject.id} (Jordan Reece), CBO ${cbo.id} excludes the Bus Station`);
    const track = () => police.get<{ track: { sightings: unknown[] } }>(`/api/subjects/${subject.id}/track`).catch(() => null);
    const sightings = (n: number) => waitFor(`${n} sightings`, async () => ((await track())?.track.sightings.length ?? 0) >= n);
    await pause();

    const shop1 = await device(o.mqttUrl, 'shop-prem-013', o.passwordFor('shop-prem-013'));
    const shop2 = await device(o.mqttUrl, 'shop-prem-007', o.passwordFor('shop-prem-007'));
    const cctv = await device(o.mqttUrl, 'cctv', o.passwordFor('cctv'));
    closers.push(
      () => shop1.endAsync(),
      () => shop2.endAsync(),
      () => cctv.endAsync(),
    );
    // The story's own clock: a walk from the FreshWay to the bus station takes minutes, and the
    // gateway judges each sighting against walking times, so the reports carry times that a
    // person on foot could make, ending about now, however fast the steps are played.
    let story = Date.now() - 6 * 60_000;
    const after = (seconds: number) => new Date((story += seconds * 1000)).toISOString();
    await shop1.publishAsync(
      'tw/v1/shop/prem-013/report',
      JSON.stringify({
        kind: 'incident',
        category: 'theft',
        occurredAt: after(0),
        description: 'Took six packs of razor blades and ran towards Bridge Street',
        subjectId: subject.id,
        media: ['cctv/freshway/till-3.jpg'],
      }),
      { qos: 1 },
    );
    await sightings(1);
    log('FreshWay Supermarket (shop terminal): theft by Jordan Reece');
    await pause();
    await shop2.publishAsync(
      'tw/v1/shop/prem-007/report',
      JSON.stringify({
        kind: 'sighting',
        category: 'suspicious',
        occurredAt: after(90),
        description: 'Came in, looked around, left heading east',
        subjectId: subject.id,
      }),
      { qos: 1 },
    );
    await sightings(2);
    log('Bridge Street Bookmakers (shop terminal): sighting');
    await pause();
    await cctv.publishAsync(
      'tw/v1/cctv/cam-04/sighting',
      JSON.stringify({ seenAt: after(60), operator: 'operator', subjectId: subject.id, description: 'Walking east on Bridge Street', zone: 'bridge-street' }),
      { qos: 1 },
    );
    await sightings(3);
    log('CCTV operator: marked on cam-04 (Bridge Street)');
    await pause();
    await police.command('sighting:report', {
      subjectId: subject.id,
      source: 'radio',
      at: after(60),
      place: { lonLat: [-1.1462, 52.9548] },
      description: 'Heading for the bus station',
    });
    await sightings(4);
    log('PC on the radio: seen at the east end of Bridge Street');
    await pause();

    await cctv.publishAsync(
      'tw/v1/cctv/cam-06/sighting',
      JSON.stringify({ seenAt: after(120), operator: 'operator', subjectId: subject.id, description: 'On the concourse' }),
      { qos: 1 },
    );
    const alarm = await waitFor('the breach alarm on the console', () =>
      controller.events.find((e) => e.type === 'breach.detected' && (e.payload as { subjectId: string }).subjectId === subject.id),
    );
    const breachId = (alarm.payload as { breachId: string }).breachId;
    const radioAlert = await waitFor('the radio alert', () => {
      for (const h of handsets) {
        // The radio text names no ids (officers read it): the breach alert of this run is the only one.
        const m = h.received.find((r) => r.kind === 'alert' && r.text.startsWith('CBO BREACH:'));
        if (m) return { issi: h.issi, text: m.text };
      }
      return undefined;
    });
    log(`BREACH ${breachId}: console alarmed; radio ${radioAlert.issi} heard "${radioAlert.text}"`);
    await pause();

    const incidentId = `inc-${breachId}`;
    const incident = await waitFor('the breach incident', () => controller.get<{ reference: string }>(`/api/incidents/${incidentId}`).catch(() => null));
    await controller.command('incident:grade', { id: incidentId, grade: o.config.incidents.grades[0]!.id });
    const { ranked } = await controller.command<{ ranked: Array<{ unitId: string; travelSeconds: number; straightLineM: number }> }>('incident:candidates', {
      id: incidentId,
    });
    const ranking = ranked.map((r) => ({ unitId: r.unitId, travelSeconds: r.travelSeconds, straightLineM: r.straightLineM }));
    log(`ranking by walking time: ${ranking.map((r) => `${r.unitId} ${r.travelSeconds}s (${r.straightLineM} m)`).join(', ')}`);
    const beforeDispatch = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20)); // the dispatch is journaled strictly after that moment
    const dispatched = ranking[0]!.unitId;
    await controller.command('incident:dispatch', { id: incidentId, unitId: dispatched });
    const unit = o.config.units.find((u) => u.id === dispatched)!;
    const handset = handsets.find((h) => h.issi === unit.issi)!;
    const dispatchMessage = await waitFor('the dispatch on the radio', () => {
      // The radio text quotes the number people use, not the incident's id.
      const m = handset.received.find((r) => r.kind === 'dispatch' && r.text.endsWith(`Ref ${incident.reference}`));
      return m && { issi: handset.issi, text: m.text };
    });
    log(`dispatched ${unit.callsign}: "${dispatchMessage.text}"`);
    await pause();

    for (const step of WALK_IN) {
      await fix(handset, step);
      await pause();
    }
    // Walking into the zone is not arrival: the officer says so, by status.
    await handset.status(ON_SCENE);
    await waitFor('the unit on scene', async () => (await controller.get<{ state: string }>(`/api/incidents/${incidentId}`)).state === 'on-scene');
    log(`${unit.callsign} is on scene`);

    const exports = {
      geojson: (await controller.file(`/api/subjects/${subject.id}/track/export?format=geojson`)).text,
      cot: (await controller.file(`/api/subjects/${subject.id}/track/export?format=cot`)).text,
      eido: (await controller.file(`/api/incidents/${incidentId}/export?format=eido`)).text,
    };
    const past = await controller.get<{ incidents: Array<{ incidentId: string; state: string }>; units: Array<{ id: string; state: string }> }>(
      `/api/state?at=${encodeURIComponent(beforeDispatch)}`,
    );
    const stateBeforeDispatch = {
      incidentState: past.incidents.find((i) => i.incidentId === incidentId)?.state ?? 'missing',
      unitState: past.units.find((u) => u.id === dispatched)?.state ?? 'missing',
    };
    log(`exports taken; time travel to ${beforeDispatch}: incident ${stateBeforeDispatch.incidentState}, ${dispatched} ${stateBeforeDispatch.unitState}`);
    return {
      subjectId: subject.id,
      cboId: cbo.id,
      breachId,
      incidentId,
      ranking,
      dispatched,
      beforeDispatch,
      alarm,
      radioAlert,
      dispatchMessage,
      exports,
      stateBeforeDispatch,
    };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}
