import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { connectMqtt, demoPassword, eventually, ROOT, spawnGateway, startGateway, testConfig } from '../helpers/gateway';
import { connectBytes, RawMqtt } from '../helpers/raw-mqtt';

/**
 * Forward on validation, acknowledge on commit (issue 20): subscribers get a valid publish as
 * soon as it is validated; the publisher's PUBACK still waits for the journal commit. The
 * commit is held through `Journal.holdCommits`, so the order is shown, not timed.
 */
const position = (marker: number) => JSON.stringify({ lat: 52.955, lon: -1.15, accuracyM: marker, fixTime: new Date().toISOString() });

function journaled(path: string, marker: number): number {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT payload FROM events WHERE type = 'radio.position'").all() as Array<{ payload: string }>;
    return rows.filter((r) => (JSON.parse(r.payload) as { accuracyM: number }).accuracyM === marker).length;
  } finally {
    db.close();
  }
}

/** Every message the subscriber gets on radio positions, by its marker. */
function collect(sub: MqttClient): Map<number, number> {
  const got = new Map<number, number>();
  sub.on('message', (_topic, payload) => {
    try {
      const m = (JSON.parse(payload.toString()) as { accuracyM?: number }).accuracyM;
      if (typeof m === 'number') got.set(m, (got.get(m) ?? 0) + 1);
    } catch {
      got.set(-1, (got.get(-1) ?? 0) + 1); // not JSON: an invalid message got through
    }
  });
  return got;
}

describe('forward on validation, acknowledge on commit (in process)', () => {
  let gw: Gateway;
  let path: string;
  let sub: MqttClient;
  let pub: MqttClient;
  let got: Map<number, number>;

  beforeAll(async () => {
    const t = testConfig();
    path = t.config.gateway.journal.path;
    gw = await startGateway(t.config, { baseDir: t.dir });
    sub = await connectMqtt(gw.broker.port, 'service');
    await sub.subscribeAsync({ 'tw/v1/radio/+/position': { qos: 1 } });
    got = collect(sub);
    pub = await connectMqtt(gw.broker.port, 'radio-2001');
  });
  afterAll(async () => {
    await Promise.all([sub.endAsync(true), pub.endAsync(true)]);
    await gw.stop();
  });

  it('delivers to the subscriber while the PUBACK waits for the commit, then acknowledges once committed', async () => {
    const release = gw.journal.holdCommits();
    let acked = false;
    const puback = pub.publishAsync('tw/v1/radio/2001/position', position(101), { qos: 1 }).then(() => (acked = true));
    await eventually(() => got.get(101) === 1, 10_000, 'the subscriber to get the message before its commit');
    expect(acked, 'PUBACK before the commit').toBe(false);
    expect(journaled(path, 101)).toBe(0);
    expect(gw.journal.pendingCount).toBeGreaterThan(0);

    release();
    await puback;
    expect(journaled(path, 101)).toBe(1);
    expect(got.get(101)).toBe(1);
  });

  it('still never forwards an invalid message: quarantined, acknowledged on commit', async () => {
    const release = gw.journal.holdCommits();
    let acked = false;
    const bad = pub.publishAsync('tw/v1/radio/2001/position', 'not json', { qos: 1 }).then(() => (acked = true));
    // A valid message after it: once the subscriber has this one, it would have had the bad one.
    const good = pub.publishAsync('tw/v1/radio/2001/position', position(102), { qos: 1 });
    await eventually(() => got.get(102) === 1, 10_000, 'the valid message after the invalid one');
    expect(got.has(-1), 'invalid message forwarded').toBe(false);
    expect(acked).toBe(false);
    release();
    await Promise.all([bad, good]);
    expect(got.has(-1)).toBe(false);
    const quarantined = [...gw.journal.replay()].filter((e) => e.type === 'quarantine.message' && (e.payload as { kind: string }).kind === 'json');
    expect(quarantined).toHaveLength(1);
  });

  it("reads and forwards a connection's next message while its last one waits for the commit", async () => {
    const raw = await rawClient(gw.broker.port, 'radio-2002-pipeline');
    const publish = (marker: number, messageId: number) =>
      raw.send({ cmd: 'publish', topic: 'tw/v1/radio/2002/position', payload: Buffer.from(position(marker)), qos: 1, messageId, retain: false, dup: false });
    const release = gw.journal.holdCommits();
    publish(111, 21);
    await eventually(() => got.get(111) === 1, 10_000, 'the first message at the subscriber');
    // Sent on its own once the first was out: forwarding never waits for an earlier commit.
    publish(112, 22);
    await eventually(() => got.get(112) === 1, 10_000, 'the second message at the subscriber before either commit');
    expect(
      raw.packets.filter((p) => p.cmd === 'puback'),
      'PUBACK before the commit',
    ).toEqual([]);
    release();
    const acks = [await raw.next('puback', 10_000), await raw.next('puback', 10_000)];
    expect(acks.map((p) => p.messageId)).toEqual([21, 22]);
    expect(journaled(path, 111)).toBe(1);
    expect(journaled(path, 112)).toBe(1);
    raw.close();
  });

  it('acknowledges in the order messages came in, even when a later emergency is committed first', async () => {
    const raw = await rawClient(gw.broker.port, 'radio-2002-order');
    const release = gw.journal.holdCommits();
    raw.send({ cmd: 'publish', topic: 'tw/v1/radio/2002/position', payload: Buffer.from(position(121)), qos: 1, messageId: 31, retain: false, dup: false });
    raw.send({
      cmd: 'publish',
      topic: 'tw/v1/radio/2002/emergency',
      payload: Buffer.from(JSON.stringify({ state: 'pressed' })),
      qos: 1,
      messageId: 32,
      retain: false,
      dup: false,
    });
    await eventually(() => gw.journal.urgentCount === 1, 10_000, 'the emergency in the urgent lane');
    release();
    const acks = [await raw.next('puback', 10_000), await raw.next('puback', 10_000)];
    expect(acks.map((p) => p.messageId)).toEqual([31, 32]);
    // The emergency was committed first all the same.
    const seqs = [...gw.journal.replay()].filter((e) => e.source === 'mqtt:radio-2002-order' && e.type.startsWith('radio.')).map((e) => e.type);
    expect(seqs).toEqual(['radio.emergency', 'radio.position']);
    raw.close();
  });

  it('keeps QoS 2 exactly once: a resend before PUBREL is neither delivered nor journaled again', async () => {
    const raw = await rawClient(gw.broker.port, 'radio-2002-qos2');
    const packet = {
      cmd: 'publish' as const,
      topic: 'tw/v1/radio/2002/position',
      payload: Buffer.from(position(103)),
      qos: 2 as const,
      messageId: 9,
      retain: false,
      dup: false,
    };
    raw.send(packet);
    await raw.next('pubrec', 10_000);
    raw.send({ ...packet, dup: true });
    await raw.next('pubrec', 10_000);
    raw.send({ cmd: 'pubrel', messageId: 9 });
    await raw.next('pubcomp', 10_000);
    // A valid QoS 1 message after it, from the same client: once it is in, the resend had its chance.
    raw.send({ ...packet, qos: 1, messageId: 10, payload: Buffer.from(position(104)) });
    await raw.next('puback', 10_000);
    await eventually(() => got.get(104) === 1, 10_000, 'the message after the resend');
    raw.close();
    expect(got.get(103)).toBe(1);
    expect(journaled(path, 103)).toBe(1);
  });
});

/** A gateway in a child process whose commits the test can hold, then SIGKILL. */
async function spawnHeld(configFile: string): Promise<{ kill: () => Promise<void>; hold: () => Promise<void>; mqttPort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/held-gateway.ts')], {
    cwd: ROOT,
    env: { ...process.env, TOWNWATCH_CONFIG: configFile, TW_NO_SIM: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const messages: Array<Record<string, unknown>> = [];
  child.on('message', (m) => messages.push(m as Record<string, unknown>));
  const ready = await eventually(
    () => messages.find((m) => 'mqttPort' in m) ?? (child.exitCode !== null ? Promise.reject(new Error(out)) : undefined),
    60_000,
    'held gateway to start',
  );
  return {
    mqttPort: ready.mqttPort as number,
    hold: async () => {
      child.send('hold');
      await eventually(() => messages.some((m) => m.held === true), 10_000, 'commits held');
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function rawClient(port: number, clientId: string): Promise<RawMqtt> {
  const raw = await RawMqtt.open(port);
  raw.writeRaw(connectBytes({ clientId, clean: true, username: 'radio-2002', password: demoPassword('radio-2002') }));
  const connack = (await raw.next('connack', 10_000)) as Packet & { returnCode: number };
  expect(connack.returnCode).toBe(0);
  return raw;
}

describe('forward on validation, acknowledge on commit (a crash between them)', () => {
  it('a message forwarded but not committed when the gateway dies is journaled once from its resends', async () => {
    const t = testConfig();
    const clientId = 'radio-2002-crash';
    const packet = {
      cmd: 'publish' as const,
      topic: 'tw/v1/radio/2002/position',
      payload: Buffer.from(position(201)),
      qos: 1 as const,
      messageId: 42,
      retain: false,
      dup: false,
    };

    const first = await spawnHeld(t.file);
    const sub = await connectMqtt(first.mqttPort, 'service');
    await sub.subscribeAsync({ 'tw/v1/radio/+/position': { qos: 1 } });
    const got = collect(sub);
    const raw = await rawClient(first.mqttPort, clientId);
    await first.hold();
    raw.send(packet);
    await eventually(() => got.get(201) === 1, 10_000, 'the subscriber to get the message before its commit');
    expect(
      raw.packets.some((p) => p.cmd === 'puback'),
      'PUBACK before the commit',
    ).toBe(false);
    await first.kill(); // the batch never reached the disk
    raw.close();
    await sub.endAsync(true);
    expect(journaled(t.config.gateway.journal.path, 201)).toBe(0);

    // The publisher never had its PUBACK: it resends (DUP), and again as if that PUBACK were lost too.
    const second = await spawnGateway(t.file);
    try {
      const again = await rawClient(second.mqttPort, clientId);
      for (let i = 0; i < 2; i++) {
        again.send({ ...packet, dup: true });
        const ack = (await again.next('puback', 10_000)) as Packet & { messageId: number };
        expect(ack.messageId).toBe(42);
      }
      again.close();
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(journaled(t.config.gateway.journal.path, 201)).toBe(1);
  }, 120_000);
});
