import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../config/load';
import type { Gateway } from '../../gateway/app';
import { clientIdOwner, decideClientId, indexClientIds } from '../../gateway/broker/client-ids';
import { connectMqtt, demoPassword, eventually, startGateway, testConfig, journaled } from '../helpers/gateway';
import { connectBytes, RawMqtt } from '../helpers/raw-mqtt';

/**
 * Issue 14, finding 2: any account could take a radio's client id, which closes the radio's
 * session and fires its Last Will ("radio 2001 offline"); the two then take it from each other
 * in a loop. Client ids now belong to accounts, and a CONNECT with someone else's gets CONNACK 2.
 */
describe('client id ownership (pure rule)', () => {
  const index = indexClientIds(loadConfig(defaultConfigPath).accounts);

  it.each([
    ['handset-2001', 'radio-2001'], // a unit's handset: its own account
    ['handset-4242', 'radio-gateway'], // no account of its own: the radio IP gateway's range
    ['radio-2001', 'radio-2001'],
    ['radio-2001-laptop', 'radio-2001'],
    ['shop-prem-001-till-2', 'shop-prem-001'],
    ['controller-desk-1', 'controller'],
    ['handset-9999', null], // outside every range
    ['handset-02001', null], // not the canonical spelling of 2001
    ['mqttjs_3f2a9c', null],
    ['', null],
    ['radio', null],
  ])('%s belongs to %s', (id, owner) => {
    expect(clientIdOwner(index, id)).toBe(owner);
  });

  it('gives an id to the longest username it starts with, so no two accounts share one', () => {
    const idx = indexClientIds([
      { username: 'radio', role: 'engineer' as never },
      { username: 'radio-2001', role: 'handset', issi: 2001 },
    ]);
    expect(clientIdOwner(idx, 'radio-2001-x')).toBe('radio-2001');
    expect(clientIdOwner(idx, 'radio-x')).toBe('radio');
    expect(decideClientId(idx, 'radio', 'radio-2001-x')).toMatchObject({ ok: false, owner: 'radio-2001' });
  });
});

describe('a CONNECT with a client id of another account', () => {
  let gw: Gateway;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    gw = await startGateway(testConfig().config);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await gw.stop();
  });

  const ofType = (type: string) => journaled(gw, type);
  const metric = async (kind: string) =>
    Number(new RegExp(`^tw_security_events_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(await gw.metrics.registry.metrics())?.[1] ?? 0);
  const refusedWith = (username: string, clientId: string) =>
    connectMqtt(gw.broker.port, username, { clientId }).then(
      (c) => {
        clients.push(c);
        return 0;
      },
      (err: Error & { code?: number }) => err.code ?? -1,
    );

  it('gets CONNACK 2, journaled once; the radio stays on the air and its Last Will is not sent', async () => {
    const radio = await connectMqtt(gw.broker.port, 'radio-2001', {
      clientId: 'handset-2001',
      will: { topic: 'tw/v1/radio/2001/presence', payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true },
    });
    clients.push(radio);
    let radioClosed = false;
    radio.on('close', () => (radioClosed = true));
    await radio.publishAsync('tw/v1/radio/2001/presence', JSON.stringify({ online: true }), { qos: 1, retain: true });

    const before = await metric('connect-refused');
    for (let i = 0; i < 5; i++) expect(await refusedWith('shop-prem-001', 'handset-2001')).toBe(2);
    expect(await metric('connect-refused')).toBe(before + 5);

    // The radio's session was never taken over: still connected, still acknowledged.
    await radio.publishAsync('tw/v1/radio/2001/position', JSON.stringify({ lat: 52.955, lon: -1.15, fixTime: new Date().toISOString() }), { qos: 1 });
    expect(radioClosed).toBe(false);
    expect(radio.connected).toBe(true);
    expect(
      ofType('radio.presence')
        .filter((p) => p.issi === 2001)
        .map((p) => p.online),
    ).toEqual([true]);
    expect(ofType('mqtt.disconnected').filter((p) => p.clientId === 'handset-2001')).toEqual([]);

    const refused = await eventually(() => {
      const r = ofType('security.connect-refused').filter((p) => p.clientId === 'handset-2001');
      return r.length > 0 && r;
    });
    expect(refused).toHaveLength(1); // the other four are folded into the minute's summary
    expect(refused[0]).toMatchObject({ username: 'shop-prem-001', owner: 'radio-2001', reason: 'client id belongs to another account', count: 1 });
  });

  it('refuses an id that belongs to nobody, and lets the owner (and an empty id) in', async () => {
    expect(await refusedWith('radio-2002', 'mqttjs_3f2a9c')).toBe(2);
    expect(await refusedWith('radio-2002', 'handset-2003')).toBe(2);
    expect(await refusedWith('radio-2002', 'handset-2002')).toBe(0);
    expect(await refusedWith('radio-gateway', 'handset-4242')).toBe(0);
    expect(await refusedWith('controller', 'controller-desk-1')).toBe(0);

    // An empty id with CleanSession=1: the broker picks one, nobody else can name it.
    const raw = await RawMqtt.open(gw.broker.port);
    raw.writeRaw(connectBytes({ clientId: '', clean: true, username: 'radio-2004', password: demoPassword('radio-2004') }));
    expect(await raw.next('connack')).toMatchObject({ returnCode: 0 });
    raw.close();
  });
});
