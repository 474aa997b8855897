import { describe, expect, it } from 'vitest';
import { Store } from '../../console/src/store';
import { asJournalEvent, type EventPayload, type EventType, type JournalEvent } from '../../gateway/contract/events';
import { toConsoleEvent } from '../../gateway/contract/socket';
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
