import { describe, expect, it } from 'vitest';
import { asJournalEvent } from '../../gateway/contract/events';
import type { JournalEvent } from '../../gateway/journal/types';
import { IncidentsProjection } from '../../gateway/projections/incidents';

/**
 * The dispatch receipt on an incident is the radio's own answer, whichever way the dispatch
 * went: by message id over MQTT, by the SDS reference the control station gave it over TETRA,
 * or, for a text too long for one SDS, once all its parts reported. Arrival by position waits
 * for it (gateway/tracking/arrival.ts), so a TETRA unit must get one too.
 */
let seq = 0;
const T0 = Date.parse('2026-03-02T14:00:00Z');
function ev(type: string, payload: unknown, source = 'api'): JournalEvent {
  seq++;
  return asJournalEvent({
    seq,
    id: `e${seq}`,
    ts: T0 + seq * 1000,
    source,
    actor: null,
    subject: null,
    ref: null,
    dedupe: null,
    payloadSha256: '',
    prevHash: '',
    hash: '',
    type,
    payload,
  });
}

const MSG = '01JDISPATCH';
function dispatched(): IncidentsProjection {
  const p = new IncidentsProjection();
  const incidentId = 'inc-1';
  p.apply(
    ev('incident.reported', {
      incidentId,
      category: 'theft',
      description: 'x',
      zone: 'market-square',
      position: [-1.15, 52.955],
      premisesId: null,
      subjectId: null,
      reportedAt: new Date(T0).toISOString(),
      origin: { kind: 'console', ref: null },
    }),
  );
  p.apply(ev('incident.graded', { incidentId, grade: { id: 'priority', label: 'Priority', targetMinutes: 30 } }));
  p.apply(
    ev('incident.dispatched', {
      incidentId,
      unitId: 'unit-09',
      callsign: 'WARDEN 3',
      issi: 2009,
      msgId: MSG,
      note: null,
      travelSeconds: 60,
      rank: 1,
      ranking: [],
    }),
  );
  return p;
}
const receipt = (p: IncidentsProjection) => p.get('inc-1')!.units[0]!.receipt;

describe('the dispatch receipt', () => {
  it('comes from a TETRA radio by the SDS reference its dispatch text was given', () => {
    const p = dispatched();
    p.apply(ev('alert.pei-sent', { alertId: MSG, station: 'cs-1', to: 2009, msgRef: 17 }, 'pei:cs-1'));
    // Another radio's report with the same reference is not this one's.
    p.apply(ev('radio.receipt', { type: 'radio.receipt', msgRef: 17, issi: 2010, status: 'delivered', raw: 'x' }, 'pei:cs-1'));
    expect(receipt(p)).toBe('pending');
    p.apply(ev('radio.receipt', { msgRef: 17, issi: 2009, status: 'delivered', raw: '+CMGS' }, 'pei:cs-1'));
    expect(receipt(p)).toBe('delivered');
    p.apply(ev('radio.receipt', { msgRef: 17, issi: 2009, status: 'read', raw: '+CMGS' }, 'pei:cs-1'));
    expect(receipt(p)).toBe('read');
  });

  it('is not taken from a later alert that reused the SDS reference', () => {
    const p = dispatched();
    p.apply(ev('alert.pei-sent', { alertId: MSG, station: 'cs-1', to: 2009, msgRef: 17 }, 'pei:cs-1'));
    // References wrap at 255: a later alert to the same radio got 17 again, and it is that alert's report.
    p.apply(ev('alert.pei-sent', { alertId: 'alert-2', station: 'cs-1', to: 2009, msgRef: 17 }, 'pei:cs-1'));
    p.apply(ev('radio.receipt', { msgRef: 17, issi: 2009, status: 'delivered', raw: '+CMGS' }, 'pei:cs-1'));
    expect(receipt(p)).toBe('pending');
  });

  it("settles a dispatch sent as several SDS parts when the bridge says all parts arrived, and shows a failure's", () => {
    const p = dispatched();
    p.apply(ev('alert.pei-sent', { alertId: MSG, station: 'cs-1', to: 2009, parts: [3, 4] }, 'pei:cs-1'));
    p.apply(ev('alert.delivery', { alertId: MSG, unitId: 'unit-09', issi: 2009, status: 'queued', reason: 'radio link down' }, 'gateway'));
    expect(receipt(p)).toBe('pending');
    p.apply(ev('alert.delivery', { alertId: MSG, unitId: 'unit-09', issi: 2009, status: 'delivered', reason: 'all 2 parts delivered' }, 'pei:cs-1'));
    expect(receipt(p)).toBe('delivered');
    const q = dispatched();
    q.apply(ev('alert.delivery', { alertId: MSG, unitId: 'unit-09', issi: 2009, status: 'failed', reason: '+CME ERROR: 37' }, 'pei:cs-1'));
    expect(receipt(q)).toBe('failed');
  });

  it('never goes back: a late "delivered" after "read", or one bearer failing after the other delivered', () => {
    const p = dispatched();
    p.apply(ev('radio.receipt', { msgId: MSG, issi: 2009, status: 'read' }, 'mqtt:radio-2009'));
    p.apply(ev('radio.receipt', { msgId: MSG, issi: 2009, status: 'delivered' }, 'mqtt:radio-2009'));
    expect(receipt(p)).toBe('read');
    p.apply(ev('alert.delivery', { alertId: MSG, unitId: 'unit-09', issi: 2009, status: 'failed', reason: 'no TETRA control station configured' }, 'gateway'));
    expect(receipt(p)).toBe('read');
  });
});
