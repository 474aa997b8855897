import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { ClientToServerEvents, ConsoleEvent, EmergencyNotice, ServerToClientEvents } from '../../gateway/contract/socket';
import { connectMqtt, eventually, login, loginSession, startGateway, testConfig, withCsrf } from '../helpers/gateway';

/**
 * Issue 20, goal 4: the control room hears of an emergency as its press is decided, not after the
 * disk has it. The consoles with the live picture get `emergency:raising` at once; the journal's
 * `emergency.raised` (the same id) follows once it is durable; a console without the live picture
 * (a shop member) gets neither. When the journal refuses the press, the consoles are told so.
 * Commits are held or made to fail, so the order is asserted, not timed.
 */
type ConsoleClient = Socket<ServerToClientEvents, ClientToServerEvents>;

let gw: Gateway;
const sockets: ConsoleClient[] = [];
const clients: MqttClient[] = [];

interface Seen {
  notices: EmergencyNotice[];
  raised: ConsoleEvent<'emergency.raised'>[];
}

async function consoleOf(username: string): Promise<Seen> {
  const cookie = await login(gw.httpPort, username);
  const s: ConsoleClient = ioClient(`http://127.0.0.1:${gw.httpPort}`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  sockets.push(s);
  const seen: Seen = { notices: [], raised: [] };
  s.on('emergency:raising', (n) => seen.notices.push(n));
  s.on('journal:events', ({ events }) => {
    for (const e of events) if (e.type === 'emergency.raised') seen.raised.push(e);
  });
  await new Promise<void>((resolve, reject) => s.once('connect', () => resolve()).once('connect_error', reject));
  return seen;
}

const press = (client: MqttClient, issi: number) => client.publishAsync(`tw/v1/radio/${issi}/emergency`, JSON.stringify({ state: 'pressed' }), { qos: 1 });

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
});

describe('an emergency before its commit', () => {
  it('reaches the consoles with the live picture at once, and its journal event with the same id once durable; a member gets neither', async () => {
    const controller = await consoleOf('controller');
    const police = await consoleOf('police');
    const member = await consoleOf('member');
    const handset = await connectMqtt(gw.broker.port, 'radio-2005');
    clients.push(handset);

    const release = gw.journal.holdCommits();
    let acknowledged = false;
    const puback = press(handset, 2005).then(() => (acknowledged = true));
    const notice = await eventually(() => controller.notices[0], 10_000, 'the controller to hear of the emergency');
    expect(notice).toMatchObject({ unitId: 'unit-05', issi: 2005, trigger: 'button', bearer: 'mqtt', state: 'recording' });
    expect(notice.emergencyId).toMatch(/^em-/);
    await eventually(() => police.notices.length === 1, 10_000, 'the police console to hear of it');
    // Nothing of it is durable yet: not acknowledged to the radio, not in the journal, not raised.
    expect(acknowledged).toBe(false);
    expect(gw.projections.emergencies.openFor('unit-05')).toBeUndefined();
    expect(controller.raised).toEqual([]);

    release();
    await puback;
    const raised = await eventually(() => controller.raised[0], 10_000, 'emergency.raised');
    expect(raised.payload?.emergencyId).toBe(notice.emergencyId);
    expect(gw.projections.emergencies.openFor('unit-05')?.id).toBe(notice.emergencyId);
    await eventually(() => police.raised.length === 1, 10_000, 'the police console to get emergency.raised');
    // Once durable, nothing more is said on the side channel: the journal's event takes over.
    expect(controller.notices).toHaveLength(1);
    expect(member.notices).toEqual([]);
    expect(member.raised).toEqual([]);
  });

  it('tells the consoles when the journal refuses the press, and the radio was not acknowledged', async () => {
    const controller = await consoleOf('controller');
    const handset = await connectMqtt(gw.broker.port, 'radio-2006');
    clients.push(handset);
    // Stands in for a full disk: the writer cannot insert the emergency this press raises.
    const side = new Database(gw.journal.database.name);
    side.exec("CREATE TRIGGER refuse_emergency BEFORE INSERT ON events WHEN NEW.type = 'emergency.raised' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    try {
      let acknowledged = false;
      // Settles only when the client is ended (mqtt.js keeps the unacknowledged press to resend).
      void press(handset, 2006).then(
        () => (acknowledged = true),
        () => undefined,
      );
      await eventually(() => controller.notices.length === 2, 10_000, 'recording, then unrecorded');
      const [recording, unrecorded] = controller.notices;
      expect(recording).toMatchObject({ unitId: 'unit-06', state: 'recording' });
      expect(unrecorded).toMatchObject({ emergencyId: recording!.emergencyId, state: 'unrecorded' });
      expect(unrecorded!.reason).toMatch(/disk full/);
      // The broker closes the radio's connection unacknowledged, so the radio sends the press again.
      await eventually(() => !handset.connected, 10_000, 'the connection closed');
      expect(acknowledged).toBe(false);
      expect(gw.projections.emergencies.openFor('unit-06')).toBeUndefined();
    } finally {
      side.exec('DROP TRIGGER refuse_emergency');
      side.close();
    }
    expect(controller.raised).toEqual([]);
  });

  it('withdraws the announcement of a resend of a press already on record, which raises nothing new', async () => {
    const controller = await consoleOf('controller');
    const pressInput = {
      source: 'mqtt:radio-2007-test',
      type: 'radio.emergency',
      subject: 'issi:2007',
      dedupe: 'radio-2007-test/1/resend',
      payload: { issi: 2007, state: 'pressed' },
    } as const;
    await gw.journal.append(pressInput);
    const first = await eventually(() => gw.projections.emergencies.openFor('unit-07'), 10_000, 'the first press to raise an emergency');
    const { cookie } = await loginSession(gw.httpPort, 'controller');
    for (const [what, body] of [
      ['acknowledge', {}],
      ['resolve', { outcome: 'false', note: 'test: resolved before the resend' }],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/emergencies/${first.id}/${what}`, {
        method: 'POST',
        headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    const before = controller.notices.length;

    // The resend carries the same dedupe key: the writer finds the first press and skips what derives from it.
    const again = await gw.journal.append(pressInput);
    expect(again.seq).toBeLessThan(gw.journal.head.seq);
    const [recording, withdrawn] = await eventually(() => (controller.notices.length === before + 2 ? controller.notices.slice(before) : undefined));
    expect(recording).toMatchObject({ unitId: 'unit-07', state: 'recording' });
    expect(withdrawn).toMatchObject({ emergencyId: recording!.emergencyId, state: 'withdrawn' });
    expect(gw.projections.emergencies.openFor('unit-07')).toBeUndefined();
  });
});
