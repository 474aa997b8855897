import CoT from '@tak-ps/node-cot/dist/index.js';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { ClientToServerEvents, ConsoleEvent, ServerToClientEvents } from '../../gateway/contract/socket';
import type { JournalEvent } from '../../gateway/journal/types';
import { runShopliftBreach, type ScenarioResult } from '../../simulators/scenarios/shoplift-breach';
import { demoPassword, eventually, login, startGateway, testConfig } from '../helpers/gateway';
import { geoJsonProblems } from '../tracking/geojson-check';

let gw: Gateway;
let operatorConsole: Socket<ServerToClientEvents, ClientToServerEvents>;
const seen: ConsoleEvent[] = [];
let result: ScenarioResult;

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  // An operator's console, watching like the control room does.
  operatorConsole = ioClient(`http://127.0.0.1:${gw.httpPort}`, {
    transports: ['websocket'],
    extraHeaders: { cookie: await login(gw.httpPort, 'operator') },
    reconnection: false,
  });
  operatorConsole.on('journal:events', (b) => seen.push(...b.events));
  await new Promise<void>((resolve, reject) => {
    operatorConsole.once('connect', () => resolve());
    operatorConsole.once('connect_error', reject);
  });
  result = await runShopliftBreach({
    mqttUrl: `mqtt://127.0.0.1:${gw.broker.port}`,
    httpUrl: `http://127.0.0.1:${gw.httpPort}`,
    config: gw.config,
    passwordFor: demoPassword,
  });
}, 60_000);
afterAll(async () => {
  operatorConsole.disconnect();
  await gw.stop();
});

const events = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const about = (subjectId: string) => (e: JournalEvent) => (e.payload as { subjectId?: string }).subjectId === subjectId;

describe('scenario: shoplift, sightings, CBO breach, dispatch', () => {
  it('journals each step with who did it', () => {
    const { subjectId } = result;
    expect(events('subject.created', about(subjectId)).map((e) => e.actor)).toEqual(['police']);
    expect(events('cbo.issued', (e) => e.ref === result.cboId).map((e) => e.actor)).toEqual(['police']);
    expect(events('shop.report', about(subjectId)).map((e) => [e.subject, e.source])).toEqual([
      ['premises:prem-013', 'mqtt:shop-prem-013-scenario'],
      ['premises:prem-007', 'mqtt:shop-prem-007-scenario'],
    ]);
    expect(events('cctv.sighting', about(subjectId)).map((e) => [e.subject, (e.payload as { operator: string }).operator])).toEqual([
      ['camera:cam-04', 'operator'],
      ['camera:cam-06', 'operator'],
    ]);
    expect(events('sighting.reported', about(subjectId)).map((e) => [e.actor, (e.payload as { kind: string }).kind])).toEqual([['police', 'radio']]);
    expect(events('breach.detected', about(subjectId)).map((e) => [e.source, e.ref])).toEqual([['gateway', result.breachId]]);
    expect(
      events('alert.sent', (e) => (e.payload as { text: string }).text === result.radioAlert.text).map((e) => [
        e.actor,
        (e.payload as { talkgroups: string[] }).talkgroups,
      ]),
    ).toEqual([['system:breach', ['tg-police']]]);
    expect(events('incident.graded', (e) => e.ref === result.incidentId).map((e) => e.actor)).toEqual(['controller']);
    expect(events('incident.dispatched', (e) => e.ref === result.incidentId).map((e) => [e.actor, (e.payload as { unitId: string }).unitId])).toEqual([
      ['controller', 'unit-02'],
    ]);
    expect(
      events('incident.on-scene', (e) => e.ref === result.incidentId).map((e) => [
        (e.payload as { unitId: string; by: string }).unitId,
        (e.payload as { by: string }).by,
      ]),
    ).toEqual([['unit-02', 'status']]);
    expect(events('export.created').map((e) => [e.actor, (e.payload as { format: string }).format])).toEqual([
      ['controller', 'geojson'],
      ['controller', 'cot'],
      ['controller', 'eido'],
    ]);
    expect(events('state.time-travel').map((e) => e.actor)).toEqual(['controller']);
  });

  it('holds every source in one track, through the zones walked', () => {
    const track = gw.projections.tracks.get(result.subjectId)!;
    expect(track.sightings.map((s) => [s.kind, s.zone])).toEqual([
      ['shop', 'victoria-centre'],
      ['shop', 'bridge-street'],
      ['cctv', 'bridge-street'],
      ['radio', 'bridge-street'],
      ['cctv', 'bus-station'],
    ]);
    expect(track.enteredZones).toEqual(['victoria-centre', 'bridge-street', 'bus-station']);
    expect(track.currentZones).toEqual(['bus-station']);
  });

  it('alarms the console over Socket.IO and the police talkgroup by radio', async () => {
    await eventually(() => seen.some((e) => e.type === 'breach.detected' && e.ref === result.breachId), 5000, 'breach on the operator console');
    expect(result.alarm.payload).toMatchObject({ cboId: result.cboId, zone: 'bus-station', reasons: [{ kind: 'zone', zone: 'bus-station' }] });
    // In the words an officer quotes: the name, the court reference, the incident's number; no internal id.
    const incident = gw.projections.incidents.get(`inc-${result.breachId}`)!;
    expect(result.radioAlert.text).toMatch(/^CBO BREACH: Jordan Reece in Bus Station at \d\d:\d\d\. Order DT\/\d{4}\/0042, incident TW-\d{4}-\d{6}$/);
    expect(result.radioAlert.text).toContain(incident.reference);
    expect(result.radioAlert.text).not.toMatch(/subj-|cbo-|inc-/);
    const police = gw.config.units.filter((u) => u.talkgroups.includes('tg-police')).map((u) => u.issi);
    expect(police).toContain(result.radioAlert.issi);
  });

  it('sends the quickest unit by walking time, not the one nearest across the canal, and it arrives', () => {
    const [first, ...rest] = result.ranking;
    const towpath = rest.find((r) => r.unitId === 'unit-01')!;
    expect(first!.unitId).toBe('unit-02');
    expect(towpath.straightLineM).toBeLessThan(first!.straightLineM);
    expect(towpath.travelSeconds).toBeGreaterThan(first!.travelSeconds);
    expect(result.dispatched).toBe('unit-02');
    expect(result.dispatchMessage).toMatchObject({ issi: 2002 });
    expect(result.dispatchMessage.text).toContain('Bus Station');
    const incident = gw.projections.incidents.get(result.incidentId)!;
    expect(incident).toMatchObject({ state: 'on-scene', category: 'cbo-breach', grade: { id: 'immediate' } });
    // Read by every role that sees the incident (a member, at their premises): no name, no id.
    expect(incident.description).toBe('Order breach: a person under a criminal behaviour order seen in Bus Station');
    expect(incident.units).toEqual([expect.objectContaining({ unitId: 'unit-02', rank: 1, receipt: 'delivered' })]);
    expect(incident.responseSeconds).not.toBeNull();
    expect(gw.projections.units.get('unit-02')!.state).toBe('on-scene');
  });

  it('exports the track and the incident, and travels back to just before the dispatch', () => {
    expect(geoJsonProblems(JSON.parse(result.exports.geojson))).toEqual([]);
    const cot = [...result.exports.cot.matchAll(/<event [\s\S]*?<\/event>/g)].map((m) => new CoT(m[0]).to_geojson().properties.type);
    expect(cot).toEqual(['a-h-G', 'a-h-G', 'a-h-G', 'a-h-G', 'a-h-G', 'u-d-f']);
    expect(JSON.parse(result.exports.eido)).toMatchObject({
      incidentComponent: { internalIncidentId: result.incidentId, incidentStatusCommonRegistryText: ['OnScene'] },
    });
    expect(result.stateBeforeDispatch).toEqual({ incidentState: 'graded', unitState: 'available' });
  });
});
