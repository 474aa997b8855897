import { isEvent } from '../contract/events';
import type { JournalEvent } from '../journal/types';
import { metTarget, type Assignment, type IncidentRecord } from '../tracking/incident';
import type { Projection } from './types';

/** Year formatters by time zone, outside the projection: time travel deep-copies projections, and a copied Intl object no longer works. */
const yearFormats = new Map<string, Intl.DateTimeFormat>();

/** Incidents and the units sent to them, with the response clock and radio delivery of each dispatch. */
export class IncidentsProjection implements Projection<IncidentRecord[]> {
  readonly name = 'incidents';
  private readonly incidents = new Map<string, IncidentRecord>();
  /** Dispatch message id → incident, so a radio receipt finds its assignment. */
  private readonly byMsg = new Map<string, string>();
  /** `issi/SDS reference` → dispatch message id, for a dispatch that went over TETRA too. */
  private readonly bySdsRef = new Map<string, string>();
  /** Unit → the incident it was last sent to: arrival is checked on every position fix, so no scan. */
  private readonly sentTo = new Map<string, string>();
  /** Incidents opened per year, for reference numbers: derived from the journal's order, so a replay gives the same. */
  private readonly perYear = new Map<number, number>();
  /** Incidents changed since the last `takeChanged()`: the gateway sends them to consoles as they are. */
  private readonly changed = new Set<string>();

  /** `timeZone`: the site's, whose year a reference number counts in (a call at 00:30 on 1 January is in the new year there). */
  constructor(private readonly timeZone = 'UTC') {}

  private yearOf(ts: number): number {
    let format = yearFormats.get(this.timeZone);
    if (!format) yearFormats.set(this.timeZone, (format = new Intl.DateTimeFormat('en-GB', { timeZone: this.timeZone, year: 'numeric' })));
    return Number(format.format(ts));
  }

  /** The incidents changed since the last call, as this projection has them. */
  takeChanged(): IncidentRecord[] {
    const out = [...this.changed].flatMap((id) => {
      const i = this.incidents.get(id);
      return i ? [structuredClone(i)] : [];
    });
    this.changed.clear();
    return out;
  }

  get(id: string): IncidentRecord | undefined {
    return this.incidents.get(id);
  }

  all(): IterableIterator<IncidentRecord> {
    return this.incidents.values();
  }

  /** The open incident a unit was sent to and has not yet reached. */
  awaitingUnit(unitId: string): IncidentRecord | undefined {
    const id = this.sentTo.get(unitId);
    const i = id ? this.incidents.get(id) : undefined;
    return i?.state === 'dispatched' && i.units.some((u) => u.unitId === unitId && u.arrivedAt === null) ? i : undefined;
  }

  apply(e: JournalEvent): void {
    if (isEvent(e, 'radio.receipt')) return this.receipt(e);
    if (isEvent(e, 'alert.pei-sent', 'alert.delivery')) return this.sds(e);
    if (e.type === 'incident.reported') {
      // Numbered before anything else: an incident whose payload retention erased still had its
      // number, so the ones after it keep theirs when the journal is replayed.
      const year = this.yearOf(e.ts);
      this.perYear.set(year, (this.perYear.get(year) ?? 0) + 1);
    }
    // An erased payload (retention) changes nothing else.
    if (!isEvent(e, 'incident.reported', 'incident.graded', 'incident.dispatched', 'incident.on-scene', 'incident.closed') || !e.payload) return;
    if (e.type === 'incident.reported') {
      const r = structuredClone(e.payload);
      const year = this.yearOf(e.ts);
      const n = this.perYear.get(year)!;
      this.changed.add(r.incidentId);
      this.incidents.set(r.incidentId, {
        ...r,
        reference: `TW-${year}-${String(n).padStart(6, '0')}`,
        state: 'reported',
        openedAt: e.ts,
        grade: null,
        units: [],
        dispatchedAt: null,
        onSceneAt: null,
        responseSeconds: null,
        withinTarget: null,
        closedAt: null,
        outcome: null,
        history: [{ state: 'reported', at: e.ts, actor: e.actor }],
      });
      return;
    }
    const i = this.incidents.get(e.payload.incidentId);
    if (!i) return;
    this.changed.add(i.incidentId);
    switch (e.type) {
      case 'incident.graded':
        i.grade = { ...e.payload.grade };
        i.state = 'graded';
        break;
      case 'incident.dispatched': {
        const d = e.payload;
        const a: Assignment = {
          unitId: d.unitId,
          callsign: d.callsign,
          issi: d.issi,
          msgId: d.msgId,
          dispatchedAt: e.ts,
          dispatchedBy: e.actor,
          travelSeconds: d.travelSeconds,
          rank: d.rank,
          receipt: 'pending',
          arrivedAt: null,
        };
        i.units.push(a);
        this.byMsg.set(d.msgId, i.incidentId);
        this.sentTo.set(d.unitId, i.incidentId);
        i.dispatchedAt ??= e.ts;
        if (i.state === 'graded') i.state = 'dispatched';
        break;
      }
      case 'incident.on-scene': {
        const { unitId } = e.payload;
        const unit = i.units.find((u) => u.unitId === unitId);
        if (unit) unit.arrivedAt ??= e.ts;
        i.onSceneAt ??= e.ts;
        i.responseSeconds = i.dispatchedAt !== null ? Math.round((i.onSceneAt - i.dispatchedAt) / 1000) : null;
        i.withinTarget = metTarget(i.openedAt, i.onSceneAt, i.grade);
        i.state = 'on-scene';
        break;
      }
      case 'incident.closed':
        i.state = 'closed';
        i.closedAt = e.ts;
        i.outcome = e.payload.outcome;
        break;
    }
    i.history.push({ state: i.state, at: e.ts, actor: e.actor });
  }

  private receipt(e: JournalEvent<'radio.receipt'>): void {
    const p = e.payload;
    if (!p) return;
    // Over MQTT the receipt names the dispatch's message id; over TETRA, the SDS reference the
    // control station gave the dispatch text (alert.pei-sent).
    const msgId = 'msgId' in p ? p.msgId : this.bySdsRef.get(`${p.issi}/${p.msgRef}`);
    if (msgId) this.settle(msgId, p.status);
  }

  /** A dispatch that also went as an SDS (the unit was last heard through a control station). */
  private sds(e: JournalEvent<'alert.pei-sent' | 'alert.delivery'>): void {
    const p = e.payload;
    if (!p) return;
    if (e.type === 'alert.delivery') {
      // A concatenated text settles here once all its parts reported; "queued" is not an answer yet.
      const d = e.payload!;
      if (d.status !== 'queued') this.settle(d.alertId, d.status);
      return;
    }
    const sent = e.payload!;
    if (!('msgRef' in sent)) return;
    // References wrap at 255: the newest text to that radio owns its reference.
    const key = `${sent.to}/${sent.msgRef}`;
    if (this.byMsg.has(sent.alertId)) this.bySdsRef.set(key, sent.alertId);
    else this.bySdsRef.delete(key);
  }

  /**
   * The radio's answer to a dispatch. An answer never goes back: "read" stays read when a late
   * "delivered" comes, and one bearer's failure does not undo the other's delivery.
   */
  private settle(msgId: string, status: Assignment['receipt']): void {
    const id = this.byMsg.get(msgId);
    const a = id ? this.incidents.get(id)?.units.find((u) => u.msgId === msgId) : undefined;
    if (!a || !id) return;
    const order: Record<Assignment['receipt'], number> = { pending: 0, failed: 1, delivered: 2, read: 3 };
    if (order[status] <= order[a.receipt]) return;
    a.receipt = status;
    this.changed.add(id);
  }

  snapshot(): IncidentRecord[] {
    return [...this.incidents.values()].map((i) => structuredClone(i)).sort((a, b) => a.openedAt - b.openedAt || a.incidentId.localeCompare(b.incidentId));
  }
}
