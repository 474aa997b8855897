import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
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
