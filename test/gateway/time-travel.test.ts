import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { rolesWith } from '../../gateway/contract/policy';
import { Projections, snapshotFor, type StateSnapshot } from '../../gateway/projections';
import { connectMqtt, eventually, login, startGateway, testConfig } from '../helpers/gateway';

/**
 * Time travel from checkpoints in a worker thread (issue 20) gives exactly what a full replay
 * of the journal up to that moment gives, for moments asked in any order: forward from a
 * checkpoint, back before every checkpoint, and the same moment twice.
 */
let gw: Gateway;
let cookie: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  const t = testConfig();
  gw = await startGateway(t.config, { baseDir: t.dir });
  cookie = await login(gw.httpPort, 'controller');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
});

const fullReplay = (at: number): StateSnapshot => snapshotFor(new Projections(gw.config).replay(gw.journal.replay(at)).snapshot(), 'controller');

async function stateAt(at: number): Promise<StateSnapshot> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/state?at=${encodeURIComponent(new Date(at).toISOString())}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: StateSnapshot }).data;
}

describe('time travel from checkpoints', () => {
  it('equals a full replay at every moment, asked forward, backward and twice', async () => {
    const radios = await Promise.all([2001, 2002, 2003].map((issi) => connectMqtt(gw.broker.port, `radio-${issi}`)));
    clients.push(...radios);
    const moments: number[] = [];
    for (let phase = 0; phase < 4; phase++) {
      await Promise.all(
        radios.map((c, i) =>
          c.publishAsync(
            `tw/v1/radio/${2001 + i}/position`,
            JSON.stringify({ lat: 52.95 + phase * 0.001 + i * 0.0001, lon: -1.15, accuracyM: phase, fixTime: new Date().toISOString() }),
            { qos: 1 },
          ),
        ),
      );
      await radios[phase % 3]!.publishAsync(`tw/v1/radio/${2001 + (phase % 3)}/emergency`, JSON.stringify({ state: phase % 2 ? 'cancelled' : 'pressed' }), {
        qos: 1,
      });
      await eventually(() => gw.journal.pendingCount === 0, 5000, 'commits');
      await new Promise((r) => setTimeout(r, 15)); // a moment between phases, on the journal's ms clock
      moments.push(Date.now());
      await new Promise((r) => setTimeout(r, 15));
    }
    // Forward, back before every checkpoint, the same twice, and far ahead.
    const order = [moments[1]!, moments[2]!, moments[0]!, moments[3]!, moments[3]!, moments[1]!, Date.now()];
    const seen = new Set<number>();
    const replayed: number[] = [];
    for (const at of order) {
      const expected = fullReplay(at);
      const got = await stateAt(at);
      expect(got, `state at ${new Date(at).toISOString()}`).toEqual(expected);
      seen.add(got.seq);
      replayed.push(gw.timeTravel.lastReplayed);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4); // the moments stand for different states
    // From a checkpoint, not from zero: the same moment again replays nothing, the next one only
    // what lies between (the first query, and the one back before every checkpoint, start at 0).
    const events = [...gw.journal.replay()];
    const between = (a: number, b: number) => events.filter((e) => e.ts > a && e.ts <= b).length;
    expect(replayed[4]).toBe(0);
    expect(replayed[1]).toBe(between(moments[1]!, moments[2]!));
    expect(replayed[1]).toBeLessThan(events.filter((e) => e.ts <= moments[2]!).length);
    expect(replayed[2]).toBe(events.filter((e) => e.ts <= moments[0]!).length);
  });
});

/**
 * Periodic checkpoints: with one every 10 events, the worker's head follows the journal and
 * keeps a copy every 10; any moment replays at most 10 events from the nearest earlier one,
 * and still equals a full replay: before the first event, exactly at a checkpoint's last
 * event, just before it, between phases, and now. Each answer is JSON text made in the worker
 * for the asking role, equal to what the live path's snapshotFor gives that role.
 */
describe('time travel from periodic checkpoints', () => {
  const EVERY = 10;
  let g: Gateway;
  const accounts: Record<string, string> = {
    controller: 'controller',
    'cctv-operator': 'operator',
    'security-manager': 'secmgr',
    police: 'police',
    member: 'member',
    engineer: 'engineer',
  };
  const cookies = new Map<string, string>();

  beforeAll(async () => {
    const t = testConfig((doc) => {
      ((doc.gateway as Record<string, unknown>).journal as Record<string, unknown>).timeTravelCheckpointEvery = EVERY;
    });
    g = await startGateway(t.config, { baseDir: t.dir });
    for (const [role, user] of Object.entries(accounts)) cookies.set(role, await login(g.httpPort, user));
  });
  afterAll(async () => {
    await g.stop();
  });

  const replayFor = (at: number, role: string): StateSnapshot => snapshotFor(new Projections(g.config).replay(g.journal.replay(at)).snapshot(), role);
  async function ask(at: number, role: string): Promise<{ status: number; type: string | null; data: StateSnapshot }> {
    const res = await fetch(`http://127.0.0.1:${g.httpPort}/api/state?at=${encodeURIComponent(new Date(at).toISOString())}`, {
      headers: { cookie: cookies.get(role)! },
    });
    return { status: res.status, type: res.headers.get('content-type'), data: ((await res.json()) as { data: StateSnapshot }).data };
  }

  it('replays at most a spacing of events from the nearest checkpoint, and equals a full replay at every moment', async () => {
    const radio = await connectMqtt(g.broker.port, 'radio-2001');
    clients.push(radio);
    const moments: number[] = [];
    for (let phase = 0; phase < 6; phase++) {
      for (let i = 0; i < 7; i++) {
        await radio.publishAsync(
          'tw/v1/radio/2001/position',
          JSON.stringify({ lat: 52.95 + phase * 0.001 + i * 0.0001, lon: -1.15, accuracyM: i, fixTime: new Date().toISOString() }),
          { qos: 1 },
        );
      }
      await radio.publishAsync('tw/v1/radio/2001/emergency', JSON.stringify({ state: phase % 2 ? 'cancelled' : 'pressed' }), { qos: 1 });
      await eventually(() => g.journal.pendingCount === 0, 5000, 'commits');
      await new Promise((r) => setTimeout(r, 5));
      moments.push(Date.now());
      await new Promise((r) => setTimeout(r, 5));
    }
    const events = [...g.journal.replay()];
    expect(events.length).toBeGreaterThan(5 * EVERY);
    // The head catches up off the main thread and keeps a checkpoint every EVERY events.
    const status = await eventually(
      async () => {
        const s = await g.timeTravel.status();
        return s.caughtUp && s.headSeq >= events.at(-1)!.seq && s;
      },
      10_000,
      'the worker following the journal',
    );
    expect(status.checkpoints.length).toBeGreaterThanOrEqual(5);
    expect(status.checkpoints.map((c) => c.seq)).toEqual(status.checkpoints.map((_, i) => (i + 1) * EVERY));
    const boundaries = status.checkpoints.flatMap((c) => [c.maxTs, c.maxTs - 1]);
    const ats = [events[0]!.ts - 1, ...boundaries, ...moments, moments[2]!, events[0]!.ts - 1, Date.now()];
    const seqs = new Set<number>();
    for (const at of ats) {
      const got = await ask(at, 'controller');
      expect(got.status).toBe(200);
      expect(got.data, `state at ${at}`).toEqual(replayFor(at, 'controller'));
      expect(g.timeTravel.lastReplayed, `events replayed for ${at}`).toBeLessThanOrEqual(EVERY);
      seqs.add(got.data.seq);
    }
    expect(seqs.has(0)).toBe(true); // before the first event: the empty town
    expect(seqs.size).toBeGreaterThanOrEqual(status.checkpoints.length);
  });

  it('answers each role with JSON text equal to that role’s snapshotFor, and refuses the roles that may not replay', async () => {
    // A recording, so the evidence roles and the others see different states.
    await g.journal.append({
      source: 'dock',
      type: 'evidence.verified',
      payload: {
        evidenceId: 'ev-tt1',
        cam: 'BWV-0001',
        fileNo: 1,
        wearer: 'guard-7',
        dockId: 'dock-1',
        bay: 1,
        name: 'shift-0712.mp4',
        recStart: new Date(Date.now() - 60_000).toISOString(),
        recEnd: new Date(Date.now() - 30_000).toISOString(),
        size: 1024,
        deviceSha256: 'a'.repeat(64),
        sha256: 'a'.repeat(64),
        gps: null,
        verifiedAt: new Date().toISOString(),
      },
    });
    await new Promise((r) => setTimeout(r, 5));
    const at = Date.now();
    // A past state is replay (where each officer was): the engineer sees the live map, not the past.
    const allowed = new Set<string>(rolesWith('replay.view'));
    expect(rolesWith('live.view')).toContain('engineer');
    expect(allowed.has('engineer')).toBe(false);
    const evidenceSeen = new Set<number>();
    for (const role of Object.keys(accounts)) {
      const got = await ask(at, role);
      if (!allowed.has(role)) {
        expect(got.status, role).toBe(403);
        continue;
      }
      expect(got.status, role).toBe(200);
      expect(got.type).toBe('application/json; charset=utf-8');
      expect(got.data, role).toEqual(replayFor(at, role));
      evidenceSeen.add(got.data.evidence.length);
    }
    expect(evidenceSeen).toEqual(new Set([0, 1])); // the filter mattered: some roles see the recording, some do not
  });

  it('after a retention erasure, rebuilds its checkpoints from the erased journal', async () => {
    const before = await g.timeTravel.status();
    expect(before.checkpoints.length).toBeGreaterThan(0);
    // The first position fix, inside the first checkpoint: at its moment the unit had a fix, and once erased it has none.
    const fix = [...g.journal.replay()].find((e) => e.type === 'radio.position')!;
    expect(fix.seq).toBeLessThanOrEqual(before.checkpoints[0]!.seq);
    const unitAt = (s: StateSnapshot) => s.units.find((u) => u.issi === 2001)!;
    expect(unitAt((await ask(fix.ts, 'controller')).data).fix).not.toBeNull();
    await g.journal.erasePayload(fix.seq, 'retention', 'secmgr');
    const after = await ask(fix.ts, 'controller');
    expect(after.data).toEqual(replayFor(fix.ts, 'controller'));
    expect(unitAt(after.data).fix).toBeNull();
    // Rebuilt in full: a checkpoint every EVERY events again, and each moment still equals a full replay from them.
    const rebuilt = await eventually(
      async () => {
        const s = await g.timeTravel.status();
        return s.caughtUp && s.checkpoints.length >= before.checkpoints.length && s;
      },
      10_000,
      'the rebuilt checkpoints',
    );
    for (const at of [fix.ts, ...rebuilt.checkpoints.map((c) => c.maxTs)]) {
      expect((await ask(at, 'controller')).data).toEqual(replayFor(at, 'controller'));
      expect(g.timeTravel.lastReplayed).toBeLessThanOrEqual(EVERY);
    }
  });
});
