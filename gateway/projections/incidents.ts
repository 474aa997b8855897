import { isEvent } from '../contract/events';
import type { JournalEvent } from '../journal/types';
import { metTarget, type Assignment, type IncidentRecord } from '../tracking/incident';
import type { Projection } from './types';

/** Incidents and the units sent to them, with the response clock and radio delivery of each dispatch. */
export class IncidentsProjection implements Projection<IncidentRecord[]> {
  readonly name = 'incidents';
  private readonly incidents = new Map<string, IncidentRecord>();
  /** Dispatch message id → incident, so a radio receipt finds its assignment. */
  private readonly byMsg = new Map<string, string>();
  /** Unit → the incident it was last sent to: arrival is checked on every position fix, so no scan. */
  private readonly sentTo = new Map<string, string>();
  /** Incidents opened per year, for reference numbers: derived from the journal's order, so a replay gives the same. */
  private readonly perYear = new Map<number, number>();
  /** Incidents changed since the last `takeChanged()`: the gateway sends them to consoles as they are. */
  private readonly changed = new Set<string>();

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
    // An erased payload (retention) changes nothing.
    if (!isEvent(e, 'incident.reported', 'incident.graded', 'incident.dispatched', 'incident.on-scene', 'incident.closed') || !e.payload) return;
    if (e.type === 'incident.reported') {
      const r = structuredClone(e.payload);
      const year = new Date(e.ts).getUTCFullYear();
      const n = (this.perYear.get(year) ?? 0) + 1;
      this.perYear.set(year, n);
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
    // Dispatches go out over MQTT with a message id; a PEI receipt (by SDS reference) is the alerts'.
    const p = e.payload && 'msgId' in e.payload ? e.payload : null;
    const id = p ? this.byMsg.get(p.msgId) : undefined;
    const a = id ? this.incidents.get(id)?.units.find((u) => u.msgId === p!.msgId) : undefined;
    // A "read" is never downgraded by a late "delivered".
    if (a && p && !(a.receipt === 'read' && p.status === 'delivered')) {
      a.receipt = p.status;
      this.changed.add(id!);
    }
  }

  snapshot(): IncidentRecord[] {
    return [...this.incidents.values()].map((i) => structuredClone(i)).sort((a, b) => a.openedAt - b.openedAt || a.incidentId.localeCompare(b.incidentId));
  }
}
