import { describe, expect, it } from 'vitest';
import { applyTracking, trackingFrom } from '../../console/src/tracking-state';
import { asJournalEvent, type EventPayload, type EventType, type JournalEvent } from '../../gateway/contract/events';
import { toConsoleEvent } from '../../gateway/contract/socket';
import type { CboRecord } from '../../gateway/contract/tracking-views';
import { Projections } from '../../gateway/projections';
import { town } from '../tracking/fixtures';

/**
 * Orders (CBOs and exclusion notices) through their lifecycle, as the gateway's projection folds
 * them and as the console's tracking state does between snapshots: both apply the contract's
 * `applyCboEvent`, and must agree, or a controller is shown an order the gateway no longer
 * enforces (or the other way round).
 */

let seq = 0;
function journaled<K extends EventType>(type: K, payload: EventPayload<K> | null, actor: string | null = 'police'): JournalEvent {
  seq++;
  return asJournalEvent({
    seq,
    id: `ev-${seq}`,
    ts: 1_772_460_000_000 + seq * 1000,
    source: 'api',
    type,
    actor,
    subject: 'subject:subj-1',
    ref: null,
    dedupe: null,
    payload,
    payloadSha256: '',
    prevHash: '',
    hash: '',
  });
}

const terms = (expiresAt: string): EventPayload<'cbo.warning'>['terms'] => ({
  subjectId: 'subj-1',
  reference: 'NTS-1',
  conditions: 'Not to enter the market',
  excludedZones: ['market-square'],
  excludedAreas: [],
  excludedPremises: [],
  windows: [],
  startsAt: '2026-03-01T00:00:00Z',
  expiresAt,
  sharedWithMembers: false,
});

function bothSides(events: JournalEvent[]): { gateway: CboRecord[]; console: CboRecord[] } {
  const gateway = new Projections(town);
  const shown = trackingFrom(gateway.snapshot());
  for (const e of events) {
    gateway.apply(e);
    applyTracking(shown, toConsoleEvent(e), () => ({ zone: null, position: null }));
  }
  return { gateway: gateway.snapshot().cbos, console: [...shown.cbos.values()].sort((a, b) => a.id.localeCompare(b.id)) };
}

describe("the console's orders follow the gateway's", () => {
  it('a warning issued, extended and expired; an order issued outright and revoked', () => {
    const events = [
      journaled('cbo.warning', { cboId: 'cbo-a', terms: terms('2026-06-01T00:00:00Z') }),
      journaled('cbo.issued', { cboId: 'cbo-a' }),
      journaled('cbo.extended', { cboId: 'cbo-a', expiresAt: '2026-09-01T00:00:00Z', previousExpiresAt: '2026-06-01T00:00:00Z' }),
      journaled('cbo.issued', { cboId: 'cbo-b', terms: terms('2026-12-01T00:00:00Z') }),
      journaled('cbo.revoked', { cboId: 'cbo-b', reason: 'quashed on appeal' }),
      journaled('cbo.expired', { cboId: 'cbo-a', subjectId: 'subj-1', expiresAt: '2026-09-01T00:00:00Z' }, null),
    ];
    const { gateway, console: shown } = bothSides(events);
    expect(gateway.map((c) => [c.id, c.state, c.expiresAt])).toEqual([
      ['cbo-a', 'expired', '2026-09-01T00:00:00Z'],
      ['cbo-b', 'revoked', '2026-12-01T00:00:00Z'],
    ]);
    expect(gateway[0]!.history.map((h) => [h.state, h.actor])).toEqual([
      ['warning', 'police'],
      ['issued', 'police'],
      ['extended', 'police'],
      ['expired', null],
    ]);
    expect(shown).toEqual(gateway);
  });

  it('ignores what does not apply: an unknown order, a second warning, an erased payload', () => {
    const events = [
      journaled('cbo.extended', { cboId: 'cbo-missing', expiresAt: '2027-01-01T00:00:00Z' }),
      journaled('cbo.warning', { cboId: 'cbo-c', terms: terms('2026-06-01T00:00:00Z') }),
      journaled('cbo.warning', { cboId: 'cbo-c', terms: terms('2030-01-01T00:00:00Z') }),
      // Erased under retention: the gateway must not fall over replaying it, nor the console.
      journaled('cbo.revoked', null),
    ];
    const { gateway, console: shown } = bothSides(events);
    expect(gateway.map((c) => [c.id, c.state, c.expiresAt, c.history.length])).toEqual([['cbo-c', 'warning', '2026-06-01T00:00:00Z', 1]]);
    expect(shown).toEqual(gateway);
  });
});
