import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { connectMqtt, demoPassword, eventually, startGateway, testConfig, journaled } from '../helpers/gateway';
import { connectBytes, RawMqtt } from '../helpers/raw-mqtt';

let gw: Gateway;
const clients: MqttClient[] = [];

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
});

const eventsOfType = (type: string) => journaled(gw, type);

async function refusedCode(opts: Parameters<typeof connectMqtt>[2], username: string | null): Promise<number | undefined> {
  const err = await connectMqtt(gw.broker.port, username, opts).then(
    (c) => {
      clients.push(c);
      return null;
    },
    (e: Error & { code?: number }) => e,
  );
  expect(err, 'connection should have been refused').not.toBeNull();
  return err!.code;
}

describe('broker authentication', () => {
  it('refuses an anonymous client with CONNACK 5 and journals it', async () => {
    expect(await refusedCode({ clientId: 'anon-1' }, null)).toBe(5);
    await eventually(() => eventsOfType('security.connect-refused').find((e) => e.clientId === 'anon-1'));
    expect(eventsOfType('security.connect-refused').find((e) => e.clientId === 'anon-1')!.reason).toBe('anonymous connection');
  });

  it('refuses a wrong password with CONNACK 5 and journals the username', async () => {
    expect(await refusedCode({ clientId: 'wrong-pw', password: 'not-it' }, 'radio-2001')).toBe(5);
    const e = await eventually(() => eventsOfType('security.connect-refused').find((x) => x.clientId === 'wrong-pw'));
    expect(e).toMatchObject({ username: 'radio-2001', reason: 'bad username or password' });
  });

  it('refuses an empty client id with CleanSession=0 with CONNACK 2 [MQTT-3.1.3-8]', async () => {
    // MQTT.js and mqtt-packet both refuse to send this, so it is written byte by byte.
    const raw = await RawMqtt.open(gw.broker.port);
    raw.writeRaw(connectBytes({ clientId: '', clean: false, username: 'radio-2001', password: demoPassword('radio-2001') }));
    const connack = await raw.next('connack');
    raw.close();
    expect(connack).toMatchObject({ returnCode: 2 });
  });

  it('accepts the right password and records the connection', async () => {
    const c = await connectMqtt(gw.broker.port, 'radio-2001', { clientId: 'radio-2001-ok' });
    clients.push(c);
    await eventually(() => eventsOfType('mqtt.connected').find((e) => e.clientId === 'radio-2001-ok'));
  });
});

describe('broker access control', () => {
  it('closes a handset that publishes as another handset, journals it, and records nothing for the victim', async () => {
    const c = await connectMqtt(gw.broker.port, 'radio-2001', { clientId: 'radio-2001-impostor' });
    clients.push(c);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('tw/v1/radio/2002/position', JSON.stringify({ lat: 52.95, lon: -1.15, fixTime: new Date().toISOString() }), { qos: 1 });
    await closed;
    const denied = await eventually(() => eventsOfType('security.publish-denied').find((e) => e.clientId === 'radio-2001-impostor'));
    expect(denied.topic).toBe('tw/v1/radio/2002/position');
    expect(eventsOfType('radio.position').filter((e) => e.issi === 2002)).toHaveLength(0);
  });

  it("refuses a subscription to another handset's downlink with SUBACK 0x80 and grants its own", async () => {
    const c = await connectMqtt(gw.broker.port, 'radio-2001', { clientId: 'radio-2001-sub' });
    clients.push(c);
    // MQTT.js rejects a SUBACK holding any 0x80; the packet it carries shows each grant.
    const suback = await c.subscribeAsync({ 'tw/v1/radio/2002/down': { qos: 1 }, 'tw/v1/radio/+/down': { qos: 1 }, 'tw/v1/radio/2001/down': { qos: 1 } }).then(
      () => null,
      (err: { packet?: { granted: number[] } }) => err.packet,
    );
    expect(suback?.granted).toEqual([128, 128, 1]);
    // The first refusal is journaled at once; the second waits for the minute's summary.
    const denied = await eventually(() => eventsOfType('security.subscribe-denied').find((e) => e.clientId === 'radio-2001-sub'));
    expect(denied).toMatchObject({ topic: 'tw/v1/radio/2002/down', count: 1 });
  });

  it("does not deliver another handset's downlink, and does deliver its own", async () => {
    const c = await connectMqtt(gw.broker.port, 'radio-2001', { clientId: 'radio-2001-rx' });
    clients.push(c);
    await c.subscribeAsync({ 'tw/v1/radio/2001/down': { qos: 1 } });
    const got: string[] = [];
    c.on('message', (topic) => got.push(topic));
    const downlink = { msgId: 'm1', kind: 'text', priority: 'normal', from: 'controller', text: 'hello', ackRequested: false };
    await gw.broker.publish('tw/v1/radio/2002/down', downlink);
    await gw.broker.publish('tw/v1/radio/2001/down', { ...downlink, msgId: 'm2' });
    await eventually(() => got.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['tw/v1/radio/2001/down']);
  });

  it('lets a shop terminal report only for its own premises', async () => {
    const account = gw.config.accounts.find((a) => a.role === 'shop-terminal')!;
    const other = gw.config.premises.find((p) => p.id !== account.premisesId)!;
    const c = await connectMqtt(gw.broker.port, account.username, { clientId: `${account.username}-x` });
    clients.push(c);
    const report = { kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description: 'male, grey hoodie' };
    await c.publishAsync(`tw/v1/shop/${account.premisesId}/report`, JSON.stringify(report), { qos: 1 });
    await eventually(() => eventsOfType('shop.report').find((e) => e.premisesId === account.premisesId));
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(`tw/v1/shop/${other.id}/report`, JSON.stringify(report), { qos: 1 });
    await closed;
    expect(eventsOfType('shop.report').filter((e) => e.premisesId === other.id)).toHaveLength(0);
  });
});
