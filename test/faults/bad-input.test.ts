import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../simulators/dock/pty';
import { PeiSimulator } from '../../simulators/radio/pei-sim';
import { connectMqtt, demoPassword, eventually, ROOT, spawnGateway, testConfig, type ChildGateway } from '../helpers/gateway';
import { connectBytes, RawMqtt } from '../helpers/raw-mqtt';
import { JournalFile, openConsole, rssMb, sleep } from './support';

interface Build {
  repeat?: [string, number];
  nest?: number;
  open?: string;
  close?: string;
  inner?: string;
  prefix?: string;
  suffix?: string;
}
interface Expect {
  outcome: 'quarantined' | 'denied' | 'closed' | 'ignored';
  kind?: string;
  reason?: string;
  journal?: string;
}
interface Case {
  name: string;
  topic?: string;
  as?: string;
  utf8?: string;
  hex?: string;
  text?: string;
  build?: Build;
  connect?: boolean;
  close?: boolean;
  expect: Expect;
}

const OWN_ISSI = 1000001;
const corpus = (file: string) => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/bad', file), 'utf8')) as Case[];
const fill = (s: string) => s.replaceAll('${NOW}', new Date().toISOString()).replaceAll('${OWN}', String(OWN_ISSI));
const fromHex = (h: string) => Buffer.from(h.replace(/[\s|]/g, ''), 'hex');

function built(b: Build): string {
  const body = b.repeat ? b.repeat[0].repeat(b.repeat[1]) : `${b.open!.repeat(b.nest!)}${b.inner ?? ''}${b.close!.repeat(b.nest!)}`;
  return fill(`${b.prefix ?? ''}${body}${b.suffix ?? ''}`);
}
const payloadOf = (c: Case): Buffer => (c.hex ? fromHex(c.hex) : c.build ? Buffer.from(built(c.build)) : Buffer.from(fill(c.utf8 ?? c.text ?? ''), 'latin1'));

let dir: string;
let gw: ChildGateway;
let pei: PeiSimulator;
let dockPty: PtyPair;
let dockPort: SerialPort;
let journal: JournalFile;
let con: Awaited<ReturnType<typeof openConsole>>;
let bystander: MqttClient;
const bystanderAcked: number[] = [];
let bystanderTimer: NodeJS.Timeout;
let bystanderFailed = 0;

const quarantine = () => journal.ofType('quarantine.message').map((e) => e.payload as Record<string, unknown>);
const ofType = (type: string) => journal.ofType(type).map((e) => e.payload as Record<string, unknown>);

beforeAll(async () => {
  dockPty = await openPtyPair();
  const t = testConfig((doc) => {
    // testConfig has put the temporary directory in dataDir; the serial link lives there too.
    const tmp = (doc.gateway as { dataDir: string }).dataDir;
    (doc.radio as Record<string, unknown>).controlStations = [{ id: 'pei-1', serialPath: join(tmp, 'pei-1') }];
    (doc.docks as Array<Record<string, unknown>>)[0]!.serialPath = dockPty.gatewayPath;
  });
  dir = t.dir;
  pei = new PeiSimulator({ path: join(dir, 'pei-1'), units: [{ issi: 2009, lat: 52.955, lon: -1.15 }], talkgroup: 9001, ownIssi: OWN_ISSI });
  await pei.start();
  gw = await spawnGateway(t.file);
  journal = new JournalFile(join(dir, 'journal.db'));
  await eventually(() => ofType('radio.link').some((p) => p.state === 'up'), 15_000, 'PEI link up');
  dockPort = new SerialPort({ path: dockPty.dockPath, baudRate: 115200 });
  await new Promise<void>((resolve, reject) => dockPort.once('open', () => resolve()).once('error', reject));
  con = await openConsole(gw.httpPort);
  // A well-behaved handset carries on throughout: its statuses must all be taken and shown.
  bystander = await connectMqtt(gw.mqttPort, 'radio-2008', { clientId: 'radio-2008-bystander' });
  let n = 0;
  bystanderTimer = setInterval(() => {
    const value = 32768 + (n++ % 5);
    bystander.publishAsync('tw/v1/radio/2008/status', JSON.stringify({ value }), { qos: 1 }).then(
      () => bystanderAcked.push(value),
      () => bystanderFailed++,
    );
  }, 100);
}, 60_000);

afterAll(async () => {
  clearInterval(bystanderTimer);
  await bystander?.endAsync(true);
  con?.socket.disconnect();
  journal?.close();
  if (dockPort?.isOpen) await new Promise<void>((resolve) => dockPort.close(() => resolve()));
  gw?.child.kill('SIGKILL');
  await pei?.stop();
  await dockPty?.close();
});

describe('bad MQTT payloads are quarantined or denied with their reason', () => {
  let sender: MqttClient;
  beforeAll(async () => {
    sender = await connectMqtt(gw.mqttPort, 'radio-2001', { clientId: 'radio-2001-bad' });
  });
  afterAll(async () => {
    await sender.endAsync(true);
  });

  for (const c of corpus('mqtt-payloads.json')) {
    it(c.name, async () => {
      const payload = payloadOf(c);
      const { outcome, kind, reason } = c.expect;
      if (outcome === 'denied') {
        const client = await connectMqtt(gw.mqttPort, c.as ?? 'radio-2001', {
          clientId: `${c.as ?? 'radio-2001'}-denied-${Math.random().toString(36).slice(2)}`,
        });
        const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
        client.publish(c.topic!, payload, { qos: 1 });
        await closed;
        const denied = await eventually(() => ofType('security.publish-denied').find((p) => p.clientId === client.options.clientId));
        expect(denied.topic).toBe(c.topic);
        expect(denied.reason).toMatch(new RegExp(reason!));
        await client.endAsync(true);
        return;
      }
      const client = c.as ? await connectMqtt(gw.mqttPort, c.as, { clientId: `${c.as}-bad` }) : sender;
      // QoS 1: the PUBACK says the message was taken (and its quarantine made durable).
      await client.publishAsync(c.topic!, payload, { qos: 1 });
      const entry = quarantine().find((q) => q.topic === c.topic && Buffer.from(q.rawBase64 as string, 'base64').equals(payload.subarray(0, 4096)));
      expect(entry, 'quarantine entry').toBeDefined();
      expect(entry!.kind).toBe(kind);
      expect(entry!.reason).toMatch(new RegExp(reason!));
      expect(entry!.size).toBe(payload.length);
      if (c.as) await client.endAsync(true);
      expect(sender.connected).toBe(true);
    });
  }
});

describe('broken MQTT packets close the connection (or are waited out), and nothing else notices', () => {
  for (const [i, c] of corpus('mqtt-packets.json').entries()) {
    it(c.name, async () => {
      const raw = await RawMqtt.open(gw.mqttPort);
      const clientId = `radio-2007-raw-${i}`;
      const connect = connectBytes({ clientId, clean: true, username: 'radio-2007', password: demoPassword('radio-2007') });
      if (c.connect) {
        raw.writeRaw(connect);
        expect(await raw.next('connack')).toMatchObject({ returnCode: 0 });
      }
      const acksBefore = bystanderAcked.length;
      raw.writeRaw(c.hex === 'CONNECT' ? connect : fromHex(c.hex!));
      if (c.close) raw.close();
      const { outcome } = c.expect;
      if (outcome === 'closed') {
        await eventually(() => raw.closed, 5000, 'connection closed');
        if (c.expect.journal) expect(await eventually(() => ofType(c.expect.journal!).find((p) => p.clientId === clientId))).toBeDefined();
        if (c.expect.reason) {
          const e = await eventually(() => ofType('security.protocol-error').find((p) => p.clientId === clientId));
          expect(e.error).toMatch(new RegExp(c.expect.reason));
        }
      } else if (outcome === 'quarantined') {
        const q = await eventually(() => quarantine().find((p) => p.clientId === clientId));
        expect(q).toMatchObject({ kind: c.expect.kind });
        expect(q.reason).toMatch(new RegExp(c.expect.reason!));
      } else {
        await sleep(300);
        expect(quarantine().filter((p) => p.clientId === clientId)).toEqual([]);
      }
      // Meanwhile the well-behaved handset was still being served.
      await eventually(() => bystanderAcked.length > acksBefore, 5000, 'bystander still acknowledged');
      raw.close();
    });
  }
});

describe('serial line garbage from a control-station radio is quarantined with its reason', () => {
  for (const c of corpus('pei-lines.json')) {
    it(c.name, async () => {
      const before = quarantine().filter((q) => q.kind === 'pei').length;
      await pei.inject(c.build ? built(c.build) : fill(c.text!));
      if (c.expect.outcome === 'ignored') {
        await sleep(300);
        expect(quarantine().filter((q) => q.kind === 'pei')).toHaveLength(before);
        return;
      }
      const entries = await eventually(
        () => {
          const q = quarantine().filter((x) => x.kind === 'pei');
          return q.length > before ? q : undefined;
        },
        5000,
        'PEI quarantine entry',
      );
      expect(entries).toHaveLength(before + 1);
      expect(entries.at(-1)!.reason).toMatch(new RegExp(c.expect.reason!));
    });
  }

  it('leaves the link up and the radio heard', async () => {
    await pei.sendStatus(2009, 32769);
    await eventually(() => ofType('radio.status').some((p) => p.issi === 2009 && p.value === 32769), 5000, 'status through PEI');
    expect(ofType('radio.link').at(-1)).toMatchObject({ state: 'up' });
  });
});

/** RFC 1055: END, then the frame with END and ESC escaped, then END. */
function slip(frame: Buffer): Buffer {
  const out: number[] = [0xc0];
  for (const b of frame) {
    if (b === 0xc0) out.push(0xdb, 0xdc);
    else if (b === 0xdb) out.push(0xdb, 0xdd);
    else out.push(b);
  }
  out.push(0xc0);
  return Buffer.from(out);
}

describe('damaged body-camera dock frames are quarantined with their reason', () => {
  for (const c of corpus('dock-frames.json')) {
    it(c.name, async () => {
      const before = quarantine().filter((q) => q.kind === 'dock').length;
      const frame = c.build ? fromHex(built(c.build)) : fromHex(c.hex!);
      await new Promise<void>((resolve, reject) => dockPort.write(slip(frame), (err) => (err ? reject(err) : dockPort.drain(() => resolve()))));
      const entries = await eventually(
        () => {
          const q = quarantine().filter((x) => x.kind === 'dock');
          return q.length > before ? q : undefined;
        },
        5000,
        'dock quarantine entry',
      );
      expect(entries).toHaveLength(before + 1);
      expect(entries.at(-1)!.reason).toMatch(new RegExp(c.expect.reason!));
    });
  }
});

describe('under a flood of bad input', () => {
  it('memory stays bounded, the gateway stays up, and the others never noticed', async () => {
    // The radio IP gateway's account, so the per-client publish limit does not pace the flood.
    const flood = await connectMqtt(gw.mqttPort, 'radio-gateway', { clientId: 'radio-gateway-flood' });
    const heavy = corpus('mqtt-payloads.json')
      .filter((c) => c.build)
      .map((c) => ({ topic: c.topic!.replace('2001', '3001'), payload: payloadOf(c) }))
      .filter((c) => c.topic.startsWith('tw/v1/radio/'));
    const round = async (times: number) => {
      let bytes = 0;
      for (let i = 0; i < times; i++) {
        await Promise.all(heavy.map((h) => flood.publishAsync(h.topic, h.payload, { qos: 1 })));
        bytes += heavy.reduce((n, h) => n + h.payload.length, 0);
      }
      return bytes;
    };
    await round(100); // warm-up: caches, JIT, SQLite pages
    const before = rssMb(gw.child.pid!);
    const sent = await round(1000);
    const after = rssMb(gw.child.pid!);
    await flood.endAsync(true);
    expect(sent / 1e6, 'MB of bad input sent').toBeGreaterThan(80);
    expect(after - before, `RSS grew ${(after - before).toFixed(1)} MB for ${(sent / 1e6).toFixed(0)} MB of bad input`).toBeLessThan(40);

    // The bystander's statuses were all acknowledged, and the console saw every one.
    const acked = bystanderAcked.length;
    expect(acked).toBeGreaterThan(20);
    expect(bystanderFailed).toBe(0);
    await eventually(
      () => con.events.filter((e) => e.type === 'radio.status' && (e.payload as { issi: number }).issi === 2008).length >= acked,
      5000,
      'console saw every status',
    );
    expect(con.socket.connected).toBe(true);
    expect(gw.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/readyz`)).status).toBe(200);
  }, 120_000);
});
