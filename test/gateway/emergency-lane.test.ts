import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import type { Gateway } from '../../gateway/app';
import type { EmergencyNotice } from '../../gateway/contract/socket';
import { isUrgent } from '../../gateway/journal/lanes';
import { PeiSimulator } from '../../simulators/radio/pei-sim';
import { connectMqtt, eventually, login, startGateway, testConfig } from '../helpers/gateway';

/**
 * Emergencies first (issue 20): with over a thousand position fixes queued for the journal, an
 * emergency from a handset (MQTT) and one from a TETRA radio (PEI) are committed, acknowledged
 * and raised to the console before the backlog. Commits are held while the backlog builds, so
 * the order is asserted, not timed.
 */
const PEI_ISSI = 2009;
const POSITION_UNITS = [2001, 2002, 2003, 2004, 2006, 2007, 2008];
const PER_UNIT = 500;

let gw: Gateway;
let sim: PeiSimulator;
const clients: MqttClient[] = [];

beforeAll(async () => {
  let link = '';
  const t = testConfig((doc) => {
    link = join((doc.gateway as { dataDir: string }).dataDir, 'pei-1');
    (doc.radio as Record<string, unknown>).controlStations = [{ id: 'pei-1', serialPath: link }];
  });
  const config = t.config;
  sim = new PeiSimulator({ path: link, units: [{ issi: PEI_ISSI, lat: 52.955, lon: -1.15 }], talkgroup: 9001 });
  await sim.start();
  gw = await startGateway(config, { baseDir: t.dir, peiTiming: { keepaliveIdleMs: 1000, keepaliveTimeoutMs: 1000 } });
  await eventually(() => gw.pei.stations[0]?.linkUp, 10_000, 'PEI link up');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
  await sim.stop();
});

describe("the journal's urgent lane", () => {
  it("puts emergencies from MQTT and PEI, and the control room's emergency events, in it; nothing else", () => {
    expect(isUrgent({ type: 'radio.emergency' })).toBe(true);
    expect(isUrgent({ type: 'emergency.raised' })).toBe(true);
    expect(isUrgent({ type: 'radio.position' })).toBe(false);
    expect(isUrgent({ type: 'radio.status', urgent: true })).toBe(true);
  });

  it('commits and acknowledges an emergency ahead of a backlog of over a thousand positions', async () => {
    const publishers = await Promise.all(POSITION_UNITS.map((issi) => connectMqtt(gw.broker.port, `radio-${issi}`)));
    const handset = await connectMqtt(gw.broker.port, 'radio-2005');
    clients.push(...publishers, handset);

    // The control room's console hears of both as they are decided, while their commits are held.
    const cookie = await login(gw.httpPort, 'controller');
    const controller = ioClient(`http://127.0.0.1:${gw.httpPort}`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    const notices: EmergencyNotice[] = [];
    controller.on('emergency:raising', (n: EmergencyNotice) => notices.push(n));
    await new Promise<void>((resolve, reject) => controller.once('connect', () => resolve()).once('connect_error', reject));

    const release = gw.journal.holdCommits();
    const acks: string[] = [];
    const positions = publishers.flatMap((c, u) =>
      Array.from({ length: PER_UNIT }, (_, i) =>
        c
          .publishAsync(
            `tw/v1/radio/${POSITION_UNITS[u]}/position`,
            JSON.stringify({ lat: 52.955, lon: -1.15, accuracyM: 1000 + i, fixTime: new Date().toISOString() }),
            { qos: 1 },
          )
          .then(() => acks.push('position')),
      ),
    );
    const backlog = await eventually(() => (gw.journal.pendingCount >= 1000 ? gw.journal.pendingCount : undefined), 30_000, 'a backlog of positions');

    const emergency = handset.publishAsync('tw/v1/radio/2005/emergency', JSON.stringify({ state: 'pressed' }), { qos: 1 }).then(() => acks.push('emergency'));
    await sim.sendPosition(PEI_ISSI, { lat: 52.9562, lon: -1.1512, reason: 2 }); // LIP reason 2: emergency
    await eventually(() => gw.journal.urgentCount === 2, 10_000, 'both emergencies queued');
    await eventually(() => notices.length === 2, 10_000, 'both emergencies announced before their commit');
    expect(notices.map((n) => [n.unitId, n.bearer, n.state]).sort()).toEqual([
      ['unit-05', 'mqtt', 'recording'],
      ['unit-09', 'pei', 'recording'],
    ]);
    controller.disconnect();
    release();

    await emergency;
    await eventually(() => gw.projections.emergencies.openFor('unit-09') && gw.projections.emergencies.openFor('unit-05'), 10_000, 'both emergencies raised');
    await Promise.all(positions);

    // The PUBACK: before (nearly) every position's. Fixes acked first can only be ones whose
    // commit was already in the writer when the emergency arrived: none here, commits were held.
    expect(acks.indexOf('emergency')).toBe(0);
    const events = [...gw.journal.replay()];
    const firstPosition = Math.min(
      ...events.filter((e) => e.type === 'radio.position' && (e.payload as { accuracyM?: number }).accuracyM! >= 1000).map((e) => e.seq),
    );
    const seqOf = (type: string, issi: number) => events.find((e) => e.type === type && (e.payload as { issi?: number }).issi === issi)!.seq;
    expect(backlog).toBeGreaterThanOrEqual(1000);
    expect(seqOf('radio.emergency', 2005)).toBeLessThan(firstPosition);
    expect(seqOf('radio.emergency', PEI_ISSI)).toBeLessThan(firstPosition);
    // What the console shows, `emergency.raised`, is ahead of the backlog too.
    for (const e of events.filter((x) => x.type === 'emergency.raised')) expect(e.seq).toBeLessThan(firstPosition);
    expect(events.filter((e) => e.type === 'emergency.raised')).toHaveLength(2);
  }, 90_000);

  it('commits an emergency status (the TETRA emergency button, over MQTT and PEI) ahead of a backlog', async () => {
    const publishers = await Promise.all([2001, 2003, 2004].map((issi) => connectMqtt(gw.broker.port, `radio-${issi}`)));
    const handset = await connectMqtt(gw.broker.port, 'radio-2002');
    clients.push(...publishers, handset);
    const release = gw.journal.holdCommits();
    const positions = publishers.flatMap((c, u) =>
      Array.from({ length: 100 }, (_, i) =>
        c.publishAsync(
          `tw/v1/radio/${[2001, 2003, 2004][u]}/position`,
          JSON.stringify({ lat: 52.955, lon: -1.15, accuracyM: 5000 + i, fixTime: new Date().toISOString() }),
          {
            qos: 1,
          },
        ),
      ),
    );
    await eventually(() => gw.journal.pendingCount >= 100 || undefined, 30_000, 'a backlog of positions');
    const emergency = handset.publishAsync('tw/v1/radio/2002/status', JSON.stringify({ value: 0 }), { qos: 1 });
    await sim.sendStatus(PEI_ISSI, 65535);
    const routine = handset.publishAsync('tw/v1/radio/2002/status', JSON.stringify({ value: 32769 }), { qos: 1 });
    await eventually(() => gw.journal.urgentCount === 2, 10_000, 'both emergency statuses in the urgent lane, the routine one not');
    release();
    await Promise.all([emergency, routine, ...positions]);
    await eventually(() => [...gw.journal.replay()].some((e) => e.type === 'radio.status' && (e.payload as { issi?: number }).issi === PEI_ISSI) || undefined);
    const events = [...gw.journal.replay()];
    const firstPosition = Math.min(
      ...events.filter((e) => e.type === 'radio.position' && (e.payload as { accuracyM?: number }).accuracyM! >= 5000).map((e) => e.seq),
    );
    const status = (issi: number, value: number) =>
      events.find(
        (e) => e.type === 'radio.status' && (e.payload as { issi?: number; value?: number }).issi === issi && (e.payload as { value?: number }).value === value,
      )!.seq;
    expect(status(2002, 0)).toBeLessThan(firstPosition);
    expect(status(PEI_ISSI, 65535)).toBeLessThan(firstPosition);
    expect(status(2002, 32769)).toBeGreaterThan(firstPosition);
  }, 90_000);
});
