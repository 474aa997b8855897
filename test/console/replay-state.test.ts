import { describe, expect, it } from 'vitest';
import { LatestOnly, Replay, type ReplayPage } from '../../console/src/replay';
import { fromSiteInput, siteDateTime, toSiteInput } from '../../console/src/site-time';
import { REPLAY_TYPES } from '../../gateway/api/replay-api';
import { asJournalEvent, type EventPayload, type EventType, type JournalEvent } from '../../gateway/contract/events';
import { toConsoleEvent } from '../../gateway/contract/socket';
import { siteFor } from '../../gateway/http/console-routes';
import { Projections, snapshotFor } from '../../gateway/projections';
import { testConfig } from '../helpers/gateway';

/**
 * The console's replay player, without a browser: requests that do not pile up, playing from
 * one state plus the events after it (applied by the live store's code) to the same picture the
 * gateway's projections give at that moment, and the site's wall clock for the picker.
 */

const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);
let seq = 0;
function journaled<K extends EventType>(type: K, ts: number, payload: EventPayload<K>, ref: string | null = null): JournalEvent {
  seq++;
  return asJournalEvent({
    seq,
    id: `ev-${seq}`,
    ts,
    source: 'test',
    type,
    actor: 'controller',
    subject: null,
    ref,
    dedupe: null,
    payload,
    payloadSha256: '',
    prevHash: '',
    hash: '',
  });
}

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('LatestOnly', () => {
  it('runs one request at a time and, of the asks made meanwhile, only the latest', async () => {
    const calls: Array<{ arg: number; d: ReturnType<typeof deferred<number>> }> = [];
    const done: number[] = [];
    const q = new LatestOnly<number, number>(
      (arg) => {
        const d = deferred<number>();
        calls.push({ arg, d });
        return d.promise;
      },
      (_arg, r) => done.push(r),
      () => undefined,
    );
    for (let i = 1; i <= 30; i++) q.ask(i); // a slider dragged across 30 steps
    expect(calls.map((c) => c.arg)).toEqual([1]);
    calls[0]!.d.resolve(1);
    await settle();
    // The first answer is overtaken: never drawn; the next request is the latest asked.
    expect(done).toEqual([]);
    expect(calls.map((c) => c.arg)).toEqual([1, 30]);
    calls[1]!.d.resolve(30);
    await settle();
    expect(done).toEqual([30]);
    expect(q.started).toBe(2);
    expect(q.busy).toBe(false);
  });
});

describe('the replay player', () => {
  const { config } = testConfig();
  const site = siteFor('controller', config, new Projections(config));
  const unit = site.units.find((u) => u.issi === 2002)!;
  const fix = (s: number, lat: number) =>
    journaled('radio.position', T0 + s * 1000, { issi: 2002, lat, lon: -1.147, accuracyM: 5, fixTime: new Date(T0 + s * 1000).toISOString() });
  const journal: JournalEvent[] = [
    fix(0, 52.951),
    journaled(
      'incident.reported',
      T0 + 5_000,
      {
        incidentId: 'inc-1',
        category: 'theft',
        description: 'Razors taken',
        zone: null,
        position: [-1.147, 52.952],
        premisesId: null,
        subjectId: null,
        reportedAt: new Date(T0 + 5_000).toISOString(),
        origin: { kind: 'console', ref: null },
        channel: '101',
      },
      'inc-1',
    ),
    journaled(
      'incident.dispatched',
      T0 + 8_000,
      { incidentId: 'inc-1', unitId: unit.id, callsign: unit.callsign, issi: 2002, msgId: 'm-1', note: null, travelSeconds: 60, rank: 1, ranking: [] },
      'inc-1',
    ),
    ...Array.from({ length: 60 }, (_, i) => fix(10 + i * 10, 52.952 + i * 0.0001)),
    journaled('incident.closed', T0 + 400_000, { incidentId: 'inc-1', outcome: 'no-further-action', note: 'Gone' }, 'inc-1'),
  ];
  const gatewayAt = (at: number) => snapshotFor(new Projections(config).replay(journal.filter((e) => e.ts <= at)).snapshot(), 'controller');
  const requests = { state: 0, events: 0 };
  const source = {
    stateAt: async (at: number) => {
      requests.state++;
      return gatewayAt(at);
    },
    events: async (from: number, to: number): Promise<ReplayPage> => {
      requests.events++;
      return {
        from: new Date(from).toISOString(),
        until: new Date(to).toISOString(),
        complete: true,
        earliest: new Date(T0).toISOString(),
        events: journal.filter((e) => REPLAY_TYPES.includes(e.type) && e.ts > from && e.ts <= to).map(toConsoleEvent),
      };
    },
  };

  it('shows the state at the moment picked, then plays to the picture the gateway gives at each later moment, from stretches of events', async () => {
    let real = 0;
    const replay = new Replay(
      source,
      site,
      () => T0 + 3_600_000,
      () => real,
    );
    replay.seek(T0 + 7_000);
    await settle();
    const p = replay.picture!;
    expect(p.at).toBe(T0 + 7_000);
    expect(p.store.units.get(unit.id)!.fix).toMatchObject({ lat: 52.951 });
    expect(p.store.tracking.incidents.get('inc-1')!.state).not.toBe('closed');
    expect(requests.state).toBe(1);

    const stateOfUnit = () => replay.picture!.store.units.get(unit.id)!.state;
    const before = stateOfUnit();
    replay.play(60);
    await settle();
    for (let i = 0; i < 40; i++) {
      real += 250; // 15 s of replay per tick at 60×
      replay.tick(real);
      await settle();
      if (i === 19) {
        // 5 s of real playing: the units as the gateway had them at the replayed moment (sent to the incident).
        expect(stateOfUnit()).toBe(gatewayAt(replay.picture!.at).units.find((u) => u.id === unit.id)!.state);
        expect(stateOfUnit()).not.toBe(before);
      }
    }
    replay.pause();
    expect(replay.speed).toBe(0);
    const at = replay.picture!.at;
    expect(at).toBe(T0 + 7_000 + 40 * 15_000);
    // The same as the gateway's own projections at that moment: the unit where it was, the incident closed.
    const gw = gatewayAt(at);
    expect(replay.picture!.store.units.get(unit.id)!.fix).toMatchObject({ lat: gw.units.find((u) => u.id === unit.id)!.fix!.lat });
    expect(replay.picture!.store.tracking.incidents.get('inc-1')).toEqual(gw.incidents.find((i) => i.incidentId === 'inc-1'));
    expect(replay.picture!.store.tracking.incidents.get('inc-1')!.state).toBe('closed');
    // Its trail: every fix of the last half hour, oldest first.
    const trail = replay.picture!.trails.get(unit.id)!;
    expect(trail.map((x) => x.lat)).toEqual(journal.filter((e) => e.type === 'radio.position' && e.ts <= at).map((e) => (e.payload as { lat: number }).lat));
    // And released again when the incident closed.
    expect(stateOfUnit()).toBe(gw.units.find((u) => u.id === unit.id)!.state);
    expect(stateOfUnit()).toBe('available');
    // 40 ticks (10 s): the state picked, the units every 5 s, a few stretches of events; not a request per tick.
    expect(requests.state).toBe(3);
    expect(requests.events).toBeLessThanOrEqual(6);
  });

  it('waits for the events rather than running ahead of them, and stops at now', async () => {
    let real = 0;
    const slow = deferred<void>();
    const replay = new Replay(
      {
        stateAt: source.stateAt,
        events: async (from, to) => {
          if (to - from <= 30 * 60_000) return source.events(from, to); // the trail
          await slow.promise;
          return source.events(from, to);
        },
      },
      site,
      () => T0 + 120_000,
      () => real,
    );
    replay.seek(T0);
    await settle();
    replay.play(60);
    real += 1000;
    replay.tick(real);
    expect(replay.waiting).toBe(true);
    expect(replay.picture!.at).toBe(T0);
    slow.resolve();
    await settle();
    for (let i = 0; i < 10; i++) {
      real += 1000;
      replay.tick(real);
      await settle();
    }
    expect(replay.picture!.at).toBe(T0 + 120_000);
    expect(replay.speed).toBe(0); // reached now: paused
  });
});

describe("the site's wall clock", () => {
  const tz = 'Europe/London';
  it('reads and writes the picker in site time, winter and summer', () => {
    expect(fromSiteInput('2026-12-07T06:12:03', tz)).toBe(Date.UTC(2026, 11, 7, 6, 12, 3));
    expect(fromSiteInput('2026-07-01T12:00:00', tz)).toBe(Date.UTC(2026, 6, 1, 11, 0, 0));
    expect(fromSiteInput('2026-07-01T12:00', tz)).toBe(Date.UTC(2026, 6, 1, 11, 0, 0));
    expect(toSiteInput(Date.UTC(2026, 6, 1, 11, 0, 5), tz)).toBe('2026-07-01T12:00:05');
    expect(siteDateTime(Date.UTC(2026, 6, 1, 11, 0, 5), tz)).toBe('01/07/2026 12:00:05');
    expect(toSiteInput(Date.UTC(2026, 11, 7, 6, 12, 3, 900), 'Asia/Kolkata')).toBe('2026-12-07T11:42:03');
    expect(fromSiteInput('2026-12-07T11:42:03', 'Asia/Kolkata')).toBe(Date.UTC(2026, 11, 7, 6, 12, 3));
  });

  it('gives an instant on both sides of a change of the clocks, and null for what is not a time', () => {
    // 01:30 does not exist on 29 March (the clocks skip to 02:00): an hour on, 02:30 BST.
    expect(fromSiteInput('2026-03-29T01:30:00', tz)).toBe(Date.UTC(2026, 2, 29, 1, 30));
    // 01:30 happens twice on 25 October: the second, in GMT.
    expect(fromSiteInput('2026-10-25T01:30:00', tz)).toBe(Date.UTC(2026, 9, 25, 1, 30));
    for (const bad of ['', 'yesterday', '2026-12-07', '2026-12-07 06:12']) expect(fromSiteInput(bad, tz)).toBeNull();
  });
});
