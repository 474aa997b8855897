import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { badMqttString } from '../../gateway/broker/utf8-guard';
import { demoPassword, eventually, startGateway, testConfig, journaled } from '../helpers/gateway';
import { connectBytes, RawMqtt, remainingLength } from '../helpers/raw-mqtt';

/**
 * Issue 14, finding 16: a topic with invalid UTF-8 or U+0000 got a PUBACK; MQTT 3.1.1 says the
 * receiver closes the connection ([MQTT-1.5.3-1], [MQTT-1.5.3-2]). mqtt-packet will not encode
 * such strings, so the packets are written byte by byte.
 */
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
});
afterAll(async () => {
  await gw.stop();
});

const ofType = (type: string) => journaled(gw, type);
const metric = async (kind: string) =>
  Number(new RegExp(`^tw_security_events_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(await gw.metrics.registry.metrics())?.[1] ?? 0);

const str = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);

/** PUBLISH QoS 1, message id 1, with the topic given as raw bytes. */
function publishBytes(topic: Buffer, payload = Buffer.from('{}')): Buffer {
  const body = Buffer.concat([str(topic), Buffer.from([0x00, 0x01]), payload]);
  return Buffer.concat([Buffer.from([0x32]), remainingLength(body.length), body]);
}

/** SUBSCRIBE, message id 2, one filter given as raw bytes, QoS 1. */
function subscribeBytes(filter: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([0x00, 0x02]), str(filter), Buffer.from([0x01])]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

async function loggedIn(username: string, clientId: string): Promise<RawMqtt> {
  const raw = await RawMqtt.open(gw.broker.port);
  raw.writeRaw(connectBytes({ clientId, clean: true, username, password: demoPassword(username) }));
  expect(await raw.next('connack')).toMatchObject({ returnCode: 0 });
  return raw;
}

const topic = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('strings that are not MQTT UTF-8', () => {
  it.each([
    ['a PUBLISH topic with invalid UTF-8', publishBytes(topic('tw/v1/radio/2001/', [0xff, 0xfe]))],
    ['a PUBLISH topic with a UTF-16 surrogate (CESU-8)', publishBytes(topic('tw/v1/radio/2001/', [0xed, 0xa0, 0x80]))],
    ['a PUBLISH topic with U+0000', publishBytes(topic('tw/v1/radio/2001/position', [0x00]))],
    ['a SUBSCRIBE filter with invalid UTF-8', subscribeBytes(topic('tw/v1/radio/2001/', [0xc3]))],
    ['a SUBSCRIBE filter with U+0000', subscribeBytes(topic('tw/v1/radio/2001/down', [0x00]))],
  ])('%s closes the connection without an acknowledgement', async (_name, packet) => {
    const raw = await loggedIn('radio-2001', `radio-2001-utf8-${Math.random().toString(36).slice(2)}`);
    const before = await metric('malformed-string');
    raw.writeRaw(packet);
    await eventually(() => raw.closed, 5000, 'connection closed');
    expect(raw.packets.filter((p) => p.cmd === 'puback' || p.cmd === 'suback')).toEqual([]);
    // Counted in the broker thread, which sends its counters to the main thread after the close: wait for them.
    await eventually(async () => (await metric('malformed-string')) > before, 5000, 'the refusal counted');
    expect(await metric('malformed-string')).toBe(before + 1);
    raw.close();
  });

  it('are journaled once per account and minute, and nothing of them reaches the journal as a message', async () => {
    const events = await eventually(() => {
      const e = ofType('security.malformed-string').filter((p) => p.username === 'radio-2001');
      return e.length > 0 && e;
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ count: 1, packet: 'publish', reason: 'string is not valid UTF-8 [MQTT-1.5.3-1]' });
    expect(ofType('quarantine.message').filter((p) => p.username === 'radio-2001')).toEqual([]);
    expect(ofType('security.protocol-error').filter((p) => p.username === 'radio-2001')).toEqual([]);
  });

  it('a real U+FFFD (well-formed) in a topic is not mistaken for bad bytes', async () => {
    const raw = await loggedIn('radio-2002', 'radio-2002-fffd');
    raw.writeRaw(publishBytes(topic('tw/v1/radio/2002/\uFFFD')));
    expect(await raw.next('puback')).toMatchObject({ messageId: 1 }); // accepted on the wire, quarantined as unknown
    expect(raw.closed).toBe(false);
    raw.close();
  });

  it('a client id with U+0000 in the CONNECT closes the connection before login', async () => {
    const raw = await RawMqtt.open(gw.broker.port);
    raw.writeRaw(connectBytes({ clientId: 'radio-2003\u0000', clean: true, username: 'radio-2003', password: demoPassword('radio-2003') }));
    await eventually(() => raw.closed, 5000, 'connection closed');
    expect(raw.packets.filter((p) => p.cmd === 'connack')).toEqual([]);
    expect(ofType('mqtt.connected').filter((p) => p.username === 'radio-2003')).toEqual([]);
  });

  it('badMqttString tells the two apart', () => {
    expect(badMqttString(Buffer.from('tw/v1/radio/2001/position'))).toBeNull();
    expect(badMqttString(Buffer.from('tw/v1/é/\uFFFD'))).toBeNull();
    expect(badMqttString(Buffer.from([0x74, 0xff]))).toBe('invalid-utf8');
    expect(badMqttString(Buffer.from([0x74, 0x00]))).toBe('null-character');
  });
});
