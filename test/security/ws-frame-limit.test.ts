import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gateway } from '../../gateway/app';
import { demoPassword, startGateway, testConfig } from '../helpers/gateway';

/**
 * Issue 14, finding 8: `ws /mqtt` kept the ws library's 100 MiB frame limit, and ws buffers a
 * whole frame before the MQTT parser (with its packet size limit) sees any of it. A frame may
 * now be no larger than the largest MQTT packet the broker accepts.
 */
let gw: Gateway;
const MAX = 65536; // gateway.mqtt.maxPacketSize in testConfig

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
});
afterAll(async () => {
  await gw.stop();
});

async function wsMqtt(): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.httpPort}/mqtt`, 'mqtt');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'radio-2001-ws',
      keepalive: 30,
      username: 'radio-2001',
      password: Buffer.from(demoPassword('radio-2001')),
    }),
  );
  expect([...(await received(ws, 4))]).toEqual([0x20, 0x02, 0x00, 0x00]); // CONNACK, accepted
  return { ws, closed };
}

/** The next `n` bytes from the broker (it may split a packet over several frames). */
function received(ws: WebSocket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const onMessage = (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (all.length < n) return;
      ws.off('message', onMessage);
      resolve(all);
    };
    ws.on('message', onMessage);
  });
}

const publish = (size: number) =>
  mqttPacket.generate({ cmd: 'publish', topic: 'tw/v1/radio/2001/text', payload: Buffer.alloc(size, 0x61), qos: 0, dup: false, retain: false });

describe('ws /mqtt frames', () => {
  it('larger than the MQTT packet limit close the connection, even when every packet in them is small', async () => {
    const { ws, closed } = await wsMqtt();
    // Two packets of 40 KB, each well under maxPacketSize, in one 80 KB frame.
    const frame = Buffer.concat([publish(40_000), publish(40_000)]);
    expect(frame.length).toBeGreaterThan(MAX + 5);
    const oversize = async () => Number(/^tw_security_events_total\{kind="oversize-packet"\} (\d+)/m.exec(await gw.metrics.registry.metrics())?.[1] ?? 0);
    const before = await oversize();
    ws.send(frame);
    expect(await closed).toBe(1009); // "message too big", from the WebSocket layer
    expect(await oversize()).toBe(before + 1);
  });

  it('up to the packet limit pass, and the gateway serves others after an oversize frame', async () => {
    const { ws, closed } = await wsMqtt();
    ws.send(publish(MAX - 100));
    ws.send(mqttPacket.generate({ cmd: 'pingreq' }));
    expect([...(await received(ws, 2))]).toEqual([0xd0, 0x00]); // PINGRESP: the big frame was read and the line is alive
    ws.close();
    await closed;

    const client = await mqtt.connectAsync(`ws://127.0.0.1:${gw.httpPort}/mqtt`, {
      username: 'radio-2002',
      password: demoPassword('radio-2002'),
      clientId: 'radio-2002-ws',
      reconnectPeriod: 0,
    });
    await client.publishAsync('tw/v1/radio/2002/position', JSON.stringify({ lat: 52.955, lon: -1.15, fixTime: new Date().toISOString() }), { qos: 1 });
    await client.endAsync();
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/readyz`)).status).toBe(200);
  });
});
