import { describe, expect, it } from 'vitest';
import { Store } from '../../console/src/store';
import { asJournalEvent, type EventPayload, type EventType, type JournalEvent } from '../../gateway/contract/events';
import { toConsoleEvent, type EmergencyNotice } from '../../gateway/contract/socket';
import { Projections } from '../../gateway/projections';
import { town } from '../tracking/fixtures';

/**
 * Emergencies through their lifecycle, as the gateway's projection folds them and as the
 * console's store does between snapshots: both apply the contract's `applyEmergencyEvent`, and
 * must agree, or a controller sees an emergency open that the gateway has resolved (or none
 * where a unit is still in danger).
 */

let seq = 0;
function journaled<K extends EventType>(type: K, payload: EventPayload<K> | null, actor: string | null = null): JournalEvent {
  seq++;
  return asJournalEvent({
    seq,
    id: `ev-${seq}`,
    ts: 1_772_460_000_000 + seq * 1000,
    source: 'gateway',
    type,
    actor,
    subject: 'unit:unit-01',
    ref: null,
    dedupe: null,
    payload,
    payloadSha256: '',
    prevHash: '',
    hash: '',
  });
}

function bothSides(events: JournalEvent[]) {
  const gateway = new Projections(town);
  const store = new Store();
  store.reset(gateway.snapshot());
  for (const e of events) gateway.apply(e);
  store.applyBatch(
    events.map((e) => toConsoleEvent(e)),
    seq,
  );
  const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
  return { gateway: byId(gateway.snapshot().emergencies), console: byId([...store.emergencies.values()]) };
}

const raised = (emergencyId: string, unitId: string, issi: number) =>
  journaled('emergency.raised', { emergencyId, unitId, issi, trigger: 'button', callsign: unitId, fix: null, causeSeq: seq });

describe("the console's emergencies follow the gateway's", () => {
  it('raised, pressed again, re-alerted, acknowledged and resolved; another left open; an erased one ignored', () => {
    const events = [
      raised('em-1', 'unit-01', 2001),
      journaled('emergency.repeat', { emergencyId: 'em-1', unitId: 'unit-01', issi: 2001, trigger: 'button', causeSeq: 1 }),
      journaled('emergency.realert', { emergencyId: 'em-1', unitId: 'unit-01', unacknowledgedMs: 30_000 }),
      journaled('emergency.acknowledged', { emergencyId: 'em-1', unitId: 'unit-01' }, 'controller'),
      journaled('emergency.resolved', { emergencyId: 'em-1', unitId: 'unit-01', outcome: 'genuine', note: 'assisted, no injury' }, 'controller'),
      raised('em-2', 'unit-02', 2002),
      journaled('emergency.acknowledged', null, 'controller'), // erased under retention: changes nothing
    ];
    const { gateway, console: shown } = bothSides(events);
    expect(gateway.map((e) => [e.id, e.state, e.presses, e.resolvedBy])).toEqual([
      ['em-1', 'resolved', 2, 'controller'],
      ['em-2', 'open', 1, null],
    ]);
    expect(shown).toEqual(gateway);
  });
});

describe('an emergency announced before its commit', () => {
  const notice = (emergencyId: string, unitId: string, state: EmergencyNotice['state'], reason?: string): EmergencyNotice => ({
    emergencyId,
    unitId,
    issi: 2001,
    trigger: 'button',
    bearer: 'mqtt',
    raisedAt: 1_772_460_000_000,
    state,
    ...(reason ? { reason } : {}),
  });
  const shown = (store: Store) => store.openEmergencies().map((e) => [e.id, e.recording?.state ?? 'on record']);
  const fresh = () => {
    const store = new Store();
    store.reset(new Projections(town).snapshot());
    return store;
  };

  it('is shown open at once, and its journal event takes its place (once, the same id)', () => {
    const store = fresh();
    store.applyRaising(notice('em-9', 'unit-01', 'recording'));
    expect(shown(store)).toEqual([['em-9', 'recording']]);
    expect(store.openEmergencies()[0]).toMatchObject({ unitId: 'unit-01', state: 'open', presses: 1 });
    store.applyBatch([toConsoleEvent(raised('em-9', 'unit-01', 2001))], seq);
    expect(shown(store)).toEqual([['em-9', 'on record']]);
    // A late copy of the announcement changes nothing once the emergency is on record.
    store.applyRaising(notice('em-9', 'unit-01', 'recording'));
    expect(shown(store)).toEqual([['em-9', 'on record']]);
  });

  it('goes when withdrawn; stays marked when refused, until dismissed or the radio’s resend is on record', () => {
    const store = fresh();
    store.applyRaising(notice('em-a', 'unit-02', 'recording'));
    store.applyRaising(notice('em-a', 'unit-02', 'withdrawn'));
    expect(shown(store)).toEqual([]);

    store.applyRaising(notice('em-b', 'unit-02', 'recording'));
    store.applyRaising(notice('em-b', 'unit-02', 'unrecorded', 'disk full'));
    store.applyRaising(notice('em-c', 'unit-03', 'unrecorded', 'disk full'));
    expect(shown(store)).toEqual([
      ['em-b', 'unrecorded'],
      ['em-c', 'unrecorded'],
    ]);
    expect(store.openEmergencies()[0]!.recording?.reason).toBe('disk full');
    // unit-02's press, sent again, is on record under a new id: the refused one is answered.
    store.applyBatch([toConsoleEvent(raised('em-d', 'unit-02', 2002))], seq);
    store.dismissRaising('em-c');
    expect(shown(store)).toEqual([['em-d', 'on record']]);
  });

  it('is dropped by a fresh snapshot while still recording: the snapshot holds what is on record, and the event follows', () => {
    const store = fresh();
    store.applyRaising(notice('em-e', 'unit-01', 'recording'));
    store.applyRaising(notice('em-f', 'unit-02', 'unrecorded', 'disk full'));
    store.reset(new Projections(town).snapshot());
    expect(shown(store)).toEqual([['em-f', 'unrecorded']]);
  });
});
