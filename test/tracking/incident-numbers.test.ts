import { describe, expect, it } from 'vitest';
import { asJournalEvent } from '../../gateway/contract/events';
import type { JournalEvent } from '../../gateway/journal/types';
import { IncidentsProjection } from '../../gateway/projections/incidents';

/**
 * Reference numbers (`TW-2026-000123`) are the incident's place in its year in the journal's
 * order: the same after any replay, starting again at 1 each year, and unchanged for the
 * incidents after one whose payload retention erased.
 */
let seq = 0;
function reported(ts: string, incidentId: string | null): JournalEvent {
  seq++;
  const payload = incidentId && {
    incidentId,
    category: 'theft',
    description: 'x',
    zone: null,
    position: null,
    premisesId: null,
    subjectId: null,
    reportedAt: ts,
    origin: { kind: 'console', ref: null },
  };
  return asJournalEvent({
    seq,
    id: `e${seq}`,
    ts: Date.parse(ts),
    source: 'api',
    actor: 'controller',
    subject: null,
    ref: incidentId,
    dedupe: null,
    payloadSha256: '',
    prevHash: '',
    hash: '',
    type: 'incident.reported',
    payload,
  });
}

const references = (p: IncidentsProjection) => p.snapshot().map((i) => [i.incidentId, i.reference]);

describe('reference numbers', () => {
  it('count in journal order within a year and start again at 1 on the first of January (UTC)', () => {
    const p = new IncidentsProjection();
    for (const [ts, id] of [
      ['2026-12-31T23:58:00Z', 'a'],
      ['2026-12-31T23:59:59Z', 'b'],
      ['2027-01-01T00:00:01Z', 'c'],
      ['2027-01-01T00:10:00Z', 'd'],
    ] as const)
      p.apply(reported(ts, id));
    expect(references(p)).toEqual([
      ['a', 'TW-2026-000001'],
      ['b', 'TW-2026-000002'],
      ['c', 'TW-2027-000001'],
      ['d', 'TW-2027-000002'],
    ]);
  });

  it("count in the site's own year: in Auckland the year turns 13 hours before it does in UTC", () => {
    const p = new IncidentsProjection('Pacific/Auckland');
    for (const [ts, id] of [
      ['2026-12-31T10:58:00Z', 'a'], // 23:58 on 31 December there
      ['2026-12-31T11:00:01Z', 'b'], // 00:00:01 on 1 January 2027 there
      ['2026-12-31T23:59:00Z', 'c'],
    ] as const)
      p.apply(reported(ts, id));
    expect(references(p)).toEqual([
      ['a', 'TW-2026-000001'],
      ['b', 'TW-2027-000001'],
      ['c', 'TW-2027-000002'],
    ]);
  });

  it('keep their numbers when an earlier incident was erased by retention', () => {
    const p = new IncidentsProjection();
    p.apply(reported('2026-03-02T10:00:00Z', null)); // erased: its payload is gone, its place is not
    p.apply(reported('2026-03-02T11:00:00Z', 'b'));
    expect(references(p)).toEqual([['b', 'TW-2026-000002']]);
  });
});
