import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/schema';
import type { Gateway } from '../../gateway/app';
import type { IncidentRecord, Ranking } from '../../gateway/contract/tracking';
import { connectMqtt, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

/**
 * Call-taking at the gateway: a call's channel and caller journaled with the controller who
 * took it, the reference number kept by the journal through a retention erasure and a restart,
 * the number in the radio text, and the ranking's reason for each unit it leaves out.
 */
let gw: Gateway;
let config: Config;
const clients: MqttClient[] = [];

interface Reply<T> {
  status: number;
  body: { data?: T; error?: { code: string; message: string } };
}

async function call<T>(user: string, method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const cookie = await login(gw.httpPort, user);
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Reply<T>['body'] };
}

async function open(body: Record<string, unknown>): Promise<IncidentRecord> {
  const r = await call<IncidentRecord>('controller', 'POST', '/api/incidents', { category: 'theft', place: { premisesId: 'prem-004' }, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.data!;
}

const journal = (type: string) => [...gw.journal.replay()].filter((e) => e.type === type);

beforeAll(async () => {
  const t = testConfig();
  config = t.config;
  gw = await startGateway(config);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw?.stop();
});

describe('taking a call', () => {
  it('journals a 999 transfer with its caller and the controller who took it, at a point clicked on the map', async () => {
    const [lon, lat] = config.premises.find((p) => p.id === 'prem-004')!.position;
    const i = await open({
      channel: '999',
      caller: { name: 'Sam Carter', phone: '+44 7700 900123' },
      description: 'Man with a knife seen by the caller',
      place: { lonLat: [lon, lat + 0.0001] },
    });
    expect(i).toMatchObject({ channel: '999', caller: { name: 'Sam Carter', phone: '+44 7700 900123' }, zone: 'high-street-north' });
    expect(i.reference).toMatch(/^TW-\d{4}-\d{6}$/);
    const e = journal('incident.reported').find((x) => x.ref === i.incidentId)!;
    expect(e.actor).toBe('controller');
    expect(e.payload).toMatchObject({ channel: '999', caller: { name: 'Sam Carter', phone: '+44 7700 900123' }, position: [lon, lat + 0.0001] });
    // Who called stays in the incident's own record, for the roles that call back and investigate,
    // and each look at it is journaled: not in the live picture (state, Live log), any list, the
    // raw journal of a role that may not see him, nor for a CCTV operator.
    const asController = await call<IncidentRecord>('controller', 'GET', `/api/incidents/${i.incidentId}`);
    expect(asController.body.data!.caller).toEqual({ name: 'Sam Carter', phone: '+44 7700 900123' });
    expect(journal('incident.caller-viewed').map((x) => [x.actor, x.ref])).toEqual([['controller', i.incidentId]]);
    const asOperator = await call<IncidentRecord>('operator', 'GET', `/api/incidents/${i.incidentId}`);
    expect(asOperator.status).toBe(200);
    expect(asOperator.body.data).toMatchObject({ incidentId: i.incidentId, callerOnFile: true });
    expect(asOperator.body.data!.caller).toBeUndefined();
    expect(journal('incident.caller-viewed')).toHaveLength(1); // the operator saw no caller, so no look is recorded
    for (const user of ['controller', 'operator', 'police']) {
      for (const path of ['/api/state', '/api/log?limit=200', '/api/incidents']) {
        const r = await call<unknown>(user, 'GET', path);
        const text = JSON.stringify(r.body);
        expect(text, `${user} ${path}`).toContain(i.incidentId);
        expect(text, `${user} ${path}`).not.toContain('900123');
        expect(text, `${user} ${path}`).not.toContain('Sam Carter');
      }
    }
    // The raw journal: the engineer reads that a caller is on file, the controller who he is.
    const raw = async (user: string) => JSON.stringify((await call<unknown>(user, 'GET', '/api/journal?limit=1000')).body);
    const asEngineer = await raw('engineer');
    expect(asEngineer).toContain(i.incidentId);
    expect(asEngineer).toContain('"callerOnFile":true');
    expect(asEngineer).not.toContain('900123');
    expect(await raw('controller')).toContain('900123');
    // A caller who gives only a number.
    expect((await open({ channel: '101', caller: { phone: '0115 496 0000' }, description: 'Shoplifter' })).caller).toEqual({
      name: null,
      phone: '0115 496 0000',
    });
  });

  it('refuses a caller that is not one, with a reason, and journals nothing', async () => {
    const before = journal('incident.reported').length;
    const bad = [{ caller: { phone: 'call me' } }, { caller: {} }, { caller: { name: 'x'.repeat(121) } }, { channel: '112' }];
    for (const extra of bad) {
      const r = await call('controller', 'POST', '/api/incidents', { category: 'theft', description: 'x', place: { zone: 'market-square' }, ...extra });
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(r.body.error?.message, JSON.stringify(extra)).toMatch(/caller|channel/);
    }
    expect((await call('member', 'POST', '/api/incidents', { category: 'theft', description: 'x', place: { zone: 'market-square' } })).status).toBe(403);
    expect(journal('incident.reported')).toHaveLength(before);
  });
});

describe('reference numbers', () => {
  it('are sequential, quoted in the radio text, and survive a retention erasure and a restart', async () => {
    const radio = await connectMqtt(gw.broker.port, 'radio-2002');
    clients.push(radio);
    const texts: string[] = [];
    await radio.subscribeAsync('tw/v1/radio/2002/down', { qos: 1 });
    radio.on('message', (_t, m) => texts.push((JSON.parse(m.toString()) as { text: string }).text));
    const [lon, lat] = config.premises.find((p) => p.id === 'prem-003')!.position;
    await radio.publishAsync('tw/v1/radio/2002/status', JSON.stringify({ value: 32768 }), { qos: 1 });
    await radio.publishAsync('tw/v1/radio/2002/position', JSON.stringify({ lat, lon, accuracyM: 5, fixTime: new Date().toISOString() }), { qos: 1 });
    await eventually(() => gw.projections.units.get('unit-02')?.fix !== null, 5000, 'a fix');

    const made: IncidentRecord[] = [];
    for (const d of ['first', 'second', 'third']) made.push(await open({ description: `${d} call` }));
    const numbers = made.map((i) => Number(i.reference!.slice(-6)));
    expect(numbers).toEqual([numbers[0], numbers[0]! + 1, numbers[0]! + 2]);

    await call('controller', 'POST', `/api/incidents/${made[2]!.incidentId}/grade`, { grade: 'priority' });
    expect((await call('controller', 'POST', `/api/incidents/${made[2]!.incidentId}/dispatch`, { unitId: 'unit-02' })).status).toBe(200);
    const text = await eventually(() => texts.find((t) => t.startsWith('DISPATCH')), 5000, 'the dispatch text');
    expect(text).toMatch(new RegExp(`Ref ${made[2]!.reference!}$`));
    expect(text).not.toContain(made[2]!.incidentId);

    // Retention erases the first call's payload; the others keep their numbers, now and after a restart.
    const first = journal('incident.reported').find((e) => e.ref === made[0]!.incidentId)!;
    await gw.journal.erasePayload(first.seq, 'retention', 'secmgr');
    await radio.endAsync(true);
    clients.splice(clients.indexOf(radio), 1);
    await gw.stop();
    gw = await startGateway(config);
    expect(gw.projections.incidents.get(made[0]!.incidentId)).toBeUndefined();
    expect([1, 2].map((n) => gw.projections.incidents.get(made[n]!.incidentId)?.reference)).toEqual([made[1]!.reference, made[2]!.reference]);
    const next = await open({ description: 'after the restart' });
    expect(Number(next.reference!.slice(-6))).toBe(numbers[2]! + 1);
  });
});

describe('the ranking', () => {
  it('says why each unit is left out: on another incident by its number, in emergency, no fix', async () => {
    const [lon, lat] = config.premises.find((p) => p.id === 'prem-004')!.position;
    const radios = await Promise.all([2003, 2004].map((issi) => connectMqtt(gw.broker.port, `radio-${issi}`)));
    clients.push(...radios);
    for (const [n, r] of radios.entries()) {
      await r.publishAsync(`tw/v1/radio/${2003 + n}/status`, JSON.stringify({ value: 32768 }), { qos: 1 });
      await r.publishAsync(`tw/v1/radio/${2003 + n}/position`, JSON.stringify({ lat, lon, accuracyM: 5, fixTime: new Date().toISOString() }), { qos: 1 });
    }
    await eventually(() => gw.projections.units.get('unit-04')?.fix !== null, 5000, 'fixes');
    const busy = await open({ description: 'the one unit-03 goes to' });
    await call('controller', 'POST', `/api/incidents/${busy.incidentId}/grade`, { grade: 'priority' });
    expect((await call('controller', 'POST', `/api/incidents/${busy.incidentId}/dispatch`, { unitId: 'unit-03' })).status).toBe(200);
    await radios[1]!.publishAsync('tw/v1/radio/2004/emergency', JSON.stringify({ state: 'pressed' }), { qos: 1 });
    await eventually(() => gw.projections.emergencies.openFor('unit-04') !== undefined, 5000, 'emergency');

    const next = await open({ description: 'the next call' });
    await call('controller', 'POST', `/api/incidents/${next.incidentId}/grade`, { grade: 'priority' });
    const r = await call<Ranking>('controller', 'GET', `/api/incidents/${next.incidentId}/candidates`);
    const why = Object.fromEntries(r.body.data!.excluded.map((x) => [x.unitId, x]));
    expect(why['unit-03']).toMatchObject({ reason: 'on-incident', incidentId: busy.incidentId, incidentReference: busy.reference });
    expect(why['unit-04']).toMatchObject({ reason: 'emergency' });
    // A radio never heard from has no fix at all.
    expect(why['unit-09']).toMatchObject({ reason: 'no-fix' });
    expect(why['unit-09']!.sinceSeconds).toBeUndefined();
  });
});
