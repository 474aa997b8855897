import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { connectMqtt, eventually, login, startGateway, testConfig } from '../helpers/gateway';
import { RawMqtt, remainingLength, connectBytes } from '../helpers/raw-mqtt';

let gw: Gateway;
let handset: MqttClient;
let bystander: MqttClient;
let service: MqttClient;
const forwarded: string[] = [];

const position = (lat = 52.955) => JSON.stringify({ lat, lon: -1.15, accuracyM: 5, fixTime: new Date().toISOString() });

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  handset = await connectMqtt(gw.broker.port, 'radio-2001', { clientId: 'radio-2001-q' });
  bystander = await connectMqtt(gw.broker.port, 'radio-2002', { clientId: 'radio-2002-q' });
  service = await connectMqtt(gw.broker.port, 'service', { clientId: 'service-q' });
  await service.subscribeAsync({ 'tw/v1/#': { qos: 1 } });
  service.on('message', (_topic, payload) => forwarded.push(payload.toString('latin1')));
});
afterAll(async () => {
  await Promise.all([handset, bystander, service].map((c) => c.endAsync(true)));
  await gw.stop();
});

async function quarantineList(): Promise<Array<{ topic: string; kind: string; reason: string; clientId: string; rawBase64: string }>> {
  const cookie = await login(gw.httpPort, 'engineer');
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/quarantine?limit=1000`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Array<{ topic: string; kind: string; reason: string; clientId: string; rawBase64: string }> }).data;
}

const cases: Array<{ name: string; topic: string; payload: Buffer; kind: string; reason: RegExp }> = [
  { name: 'bad JSON', topic: 'tw/v1/radio/2001/position', payload: Buffer.from('{"lat": 52.9,'), kind: 'json', reason: /invalid JSON/ },
  {
    name: 'schema mismatch',
    topic: 'tw/v1/radio/2001/position',
    payload: Buffer.from(JSON.stringify({ lat: 'north', lon: -1.15, fixTime: new Date().toISOString() })),
    kind: 'schema',
    reason: /^lat: /,
  },
  {
    name: 'NaN-like coordinate out of range',
    topic: 'tw/v1/radio/2001/position',
    payload: Buffer.from(JSON.stringify({ lat: 95, lon: -1.15, fixTime: new Date().toISOString() })),
    kind: 'schema',
    reason: /^lat: /,
  },
  {
    name: 'far-future time',
    topic: 'tw/v1/radio/2001/position',
    payload: Buffer.from(JSON.stringify({ lat: 52.9, lon: -1.15, fixTime: '2099-01-01T00:00:00Z' })),
    kind: 'schema',
    reason: /fixTime: time is in the future/,
  },
  {
    name: 'unknown field',
    topic: 'tw/v1/radio/2001/status',
    payload: Buffer.from(JSON.stringify({ value: 1, colour: 'red' })),
    kind: 'schema',
    reason: /colour/,
  },
  {
    name: 'oversize payload',
    topic: 'tw/v1/radio/2001/text',
    payload: Buffer.from(JSON.stringify({ to: 9001, text: 'x'.repeat(10_000) })),
    kind: 'oversize',
    reason: /exceeds 4096/,
  },
  {
    name: 'unknown topic under tw/v1',
    topic: 'tw/v1/radio/2001/teleport',
    payload: Buffer.from('{}'),
    kind: 'unknown-topic',
    reason: /not in the tw\/v1 contract/,
  },
  { name: 'invalid UTF-8', topic: 'tw/v1/radio/2001/text', payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), kind: 'utf8', reason: /UTF-8/ },
];

describe('bad input is quarantined with its reason, and the connection goes on', () => {
  for (const c of cases) {
    it(c.name, async () => {
      // QoS 1: the PUBACK proves the message was taken (and its quarantine made durable).
      await handset.publishAsync(c.topic, c.payload, { qos: 1 });
      const list = await quarantineList();
      const entry = list.find((q) => q.topic === c.topic && Buffer.from(q.rawBase64, 'base64').equals(c.payload.subarray(0, 4096)));
      expect(entry, `quarantine entry for ${c.name}`).toBeDefined();
      expect(entry!.kind).toBe(c.kind);
      expect(entry!.reason).toMatch(c.reason);
      expect(entry!.clientId).toBe('radio-2001-q');
      // The same connection still works, and so do others.
      expect(handset.connected).toBe(true);
      await handset.publishAsync('tw/v1/radio/2001/position', position(52.9551), { qos: 1 });
      await bystander.publishAsync('tw/v1/radio/2002/position', position(52.9552), { qos: 1 });
    });
  }

  it('never forwards a quarantined message to subscribers, but forwards valid ones', async () => {
    await eventually(() => forwarded.some((p) => p.includes('52.9552')));
    for (const c of cases) expect(forwarded).not.toContain(c.payload.toString('latin1'));
  });

  it('counts quarantined messages in /metrics by reason', async () => {
    const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(text).toMatch(/tw_quarantined_total\{reason="schema"\} 4/);
    expect(text).toMatch(/tw_quarantined_total\{reason="json"\} 1/);
  });

  it('closes a connection whose packet exceeds maxPacketSize, and other clients go on', async () => {
    const raw = await RawMqtt.open(gw.broker.port);
    raw.writeRaw(connectBytes({ clientId: 'radio-2003-huge', clean: true, username: 'radio-2003', password: 'radio-2003-demo' }));
    await raw.next('connack');
    // A PUBLISH header announcing 10 MB: refused as soon as its length is read.
    raw.writeRaw(Buffer.concat([Buffer.from([0x30]), remainingLength(10_000_000), Buffer.alloc(1024)]));
    await eventually(() => raw.closed, 3000, 'oversize connection to close');
    await bystander.publishAsync('tw/v1/radio/2002/position', position(52.9553), { qos: 1 });
    const events = gw.journal.database.prepare("SELECT payload FROM events WHERE type = 'security.oversize-packet'").all();
    expect(events).toHaveLength(1);
  });
});
