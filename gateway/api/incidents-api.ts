import type { Logger } from 'pino';
import { ulid } from 'ulid';
import type { Principal } from '../auth/accounts';
import { topicFor } from '../contract/topics';
import { CloseInput, DispatchInput, GradeInput, IncidentInput } from '../contract/tracking';
import { ApiError, Errors } from '../http/errors';
import { rankUnits, type Ranking } from '../tracking/dispatch';
import { buildGraph, type ZoneGraph } from '../tracking/graph';
import { mayClose, mayDispatch, mayGrade, type IncidentRecord, type IncidentReport } from '../tracking/incident';
import { withoutCaller } from '../contract/tracking-views';
import { resolvePlace } from '../tracking/zones';
import { actingRole, can } from '../contract/policy';
import { parseInput, requirePermission } from './guard';
import { checkPlace, journalPlace, type TrackingDeps } from './tracking-common';

/** The radio side of a dispatch: MQTT downlinks (the broker) and TETRA SDS (the PEI bridge). */
export interface DispatchRadio {
  publish(topic: string, payload: unknown): Promise<void>;
  sendText(issi: number, text: string, msgId: string): Promise<void>;
}

export interface IncidentsDeps extends TrackingDeps {
  radio: DispatchRadio;
  log: Logger;
}

/**
 * Incidents and dispatch through the application API: open, grade, rank the units that could
 * go, send one (journaled with the ranking it was chosen from, then sent by radio), close.
 * Arrival is not a command: the tracking watch sees it in the unit's position or status.
 */
export class IncidentsApi {
  private graphCache: ZoneGraph | null = null;

  constructor(private readonly deps: IncidentsDeps) {}

  private get graph(): ZoneGraph {
    return (this.graphCache ??= buildGraph(this.deps.config.zones));
  }

  private incident(id: string): IncidentRecord {
    const i = this.deps.projections.incidents.get(id);
    if (!i) throw Errors.notFound(`incident ${id}`);
    return i;
  }

  /**
   * Members see the incidents their own premises reported; the roles that respond see all. Who
   * called is never in a list: a role that may see him (`incident.caller`) asks the incident's
   * own record, and that look is journaled (get).
   */
  list(actor: Principal): IncidentRecord[] {
    const role = actingRole(actor);
    const all = this.deps.projections.incidents.snapshot().map(withoutCaller);
    if (!can(role, 'incident.view') && can(role, 'incident.view-own')) return all.filter((i) => i.premisesId !== null && i.premisesId === actor.premisesId);
    requirePermission(actor, 'incident.view', 'see incidents');
    return all;
  }

  /** One incident; with its caller for the roles that may see him, each such look on the record. */
  async get(actor: Principal, id: string): Promise<IncidentRecord> {
    const listed = this.list(actor).find((x) => x.incidentId === id);
    if (!listed) throw Errors.notFound(`incident ${id}`);
    const full = this.incident(id);
    if (!full.caller || !can(actingRole(actor), 'incident.caller')) return listed;
    const user = requirePermission(actor, 'incident.caller', 'see who called');
    await this.deps.journal.append({ source: 'api', type: 'incident.caller-viewed', actor: user, ref: id, payload: { incidentId: id } });
    return full;
  }

  async create(actor: Principal, input: unknown): Promise<IncidentRecord> {
    const user = requirePermission(actor, 'incident.manage', 'open incidents');
    const body = parseInput(IncidentInput, input);
    const place = journalPlace(body.place, this.deps);
    checkPlace(place, this.deps.config);
    const where = resolvePlace(place, this.deps.config);
    if (body.subjectId && !this.deps.projections.subjects.has(body.subjectId)) throw Errors.invalid([`subjectId: unknown subject "${body.subjectId}"`]);
    const incidentId = `inc-${ulid().toLowerCase()}`;
    const report: IncidentReport = {
      incidentId,
      category: body.category,
      description: body.description,
      zone: where?.zone ?? null,
      position: where?.position ?? null,
      premisesId: where?.premisesId ?? null,
      subjectId: body.subjectId ?? null,
      reportedAt: body.at ?? new Date().toISOString(),
      origin: { kind: 'console', ref: null },
      ...(body.channel ? { channel: body.channel } : {}),
      ...(body.caller ? { caller: { name: body.caller.name ?? null, phone: body.caller.phone ?? null } } : {}),
      ...(body.subjectId ? { sharedRegionally: this.deps.projections.subjects.sharedRegionally(body.subjectId) } : {}),
    };
    await this.deps.journal.append({ source: 'api', type: 'incident.reported', actor: user, ref: incidentId, payload: report });
    return structuredClone(this.incident(incidentId));
  }

  async grade(actor: Principal, id: string, input: unknown): Promise<IncidentRecord> {
    const user = requirePermission(actor, 'incident.dispatch', 'grade incidents');
    const { grade } = parseInput(GradeInput, input);
    const g = this.deps.config.incidents.grades.find((x) => x.id === grade);
    if (!g) throw Errors.invalid([`grade: unknown grade "${grade}" (${this.deps.config.incidents.grades.map((x) => x.id).join(', ')})`]);
    const i = this.incident(id);
    if (!mayGrade(i.state)) throw new ApiError('TW_CONFLICT', `incident is ${i.state}: it can no longer be graded`, 409);
    await this.deps.journal.append({ source: 'api', type: 'incident.graded', actor: user, ref: id, payload: { incidentId: id, grade: g } });
    return structuredClone(this.incident(id));
  }

  /** Units that could go, quickest first by walking time over the zone graph, and those that cannot and why. */
  candidates(actor: Principal, id: string, nowMs = Date.now()): Ranking {
    requirePermission(actor, 'incident.manage', 'rank units');
    return this.rank(this.incident(id), nowMs);
  }

  private rank(i: IncidentRecord, nowMs: number): Ranking {
    const { config, projections } = this.deps;
    if (!i.position) throw new ApiError('TW_CONFLICT', 'the incident has no position to send units to', 409);
    const units = [...projections.units.all()].map((u) => ({
      ...u,
      fix: u.fix && { lat: u.fix.lat, lon: u.fix.lon, receivedAt: u.fix.receivedAt },
    }));
    const ranking = rankUnits(
      units,
      i.position,
      {
        graph: this.graph,
        zones: config.zones,
        walkSpeedMps: config.tracking.walkSpeedMps,
        staleFixSeconds: config.incidents.staleFixSeconds,
        maxFixAgeSeconds: config.incidents.maxFixAgeSeconds,
      },
      nowMs,
    );
    // "On another incident" names it as people do: by its reference number.
    for (const x of ranking.excluded) {
      const reference = x.incidentId ? projections.incidents.get(x.incidentId)?.reference : undefined;
      if (reference) x.incidentReference = reference;
    }
    return ranking;
  }

  async dispatch(actor: Principal, id: string, input: unknown): Promise<IncidentRecord> {
    const user = requirePermission(actor, 'incident.dispatch', 'dispatch units');
    const { unitId, note } = parseInput(DispatchInput, input);
    const i = this.incident(id);
    if (!mayDispatch(i.state))
      throw new ApiError('TW_CONFLICT', i.state === 'reported' ? 'grade the incident before dispatching' : `incident is ${i.state}`, 409);
    const unit = this.deps.projections.units.get(unitId);
    if (!unit) throw Errors.invalid([`unitId: unknown unit "${unitId}"`]);
    if (i.units.some((u) => u.unitId === unitId)) throw new ApiError('TW_CONFLICT', `${unit.callsign} is already assigned`, 409);
    // The controller decides; the ranking at that moment is kept with the decision.
    const ranking = this.rank(i, Date.now());
    const at = ranking.ranked.findIndex((r) => r.unitId === unitId);
    const msgId = ulid();
    await this.deps.journal.append({
      source: 'api',
      type: 'incident.dispatched',
      actor: user,
      subject: `unit:${unitId}`,
      ref: id,
      payload: {
        incidentId: id,
        unitId,
        callsign: unit.callsign,
        issi: unit.issi,
        msgId,
        note: note ?? null,
        travelSeconds: at >= 0 ? ranking.ranked[at]!.travelSeconds : null,
        rank: at >= 0 ? at + 1 : null,
        ranking: ranking.ranked.slice(0, 5).map((r) => ({ unitId: r.unitId, travelSeconds: r.travelSeconds, fixAgeSeconds: r.fixAgeSeconds })),
      },
    });
    await this.sendDispatch(unit.issi, unit.bearer, msgId, user, this.dispatchText(i, note));
    return structuredClone(this.incident(id));
  }

  private dispatchText(i: IncidentRecord, note: string | undefined): string {
    const zone = this.deps.config.zones.find((z) => z.id === i.zone)?.name ?? 'see map';
    const premises = this.deps.config.premises.find((p) => p.id === i.premisesId)?.name;
    const where = premises ? `${premises}, ${zone}` : zone;
    return `DISPATCH ${i.grade?.label ?? ''}: ${i.category} at ${where}. ${note ?? i.description}`.slice(0, 480) + ` Ref ${i.reference ?? i.incidentId}`;
  }

  /** Like alerts: MQTT downlink always, and SDS when the radio was last heard through a control station. */
  private async sendDispatch(issi: number, bearer: 'mqtt' | 'pei' | null, msgId: string, from: string, text: string): Promise<void> {
    const downlink = { msgId, kind: 'dispatch', priority: 'urgent', from, text, ackRequested: true };
    const sends: Array<Promise<unknown>> = [this.deps.radio.publish(topicFor('radio.downlink', { issi }), downlink)];
    if (bearer === 'pei') sends.push(this.deps.radio.sendText(issi, text, msgId));
    for (const r of await Promise.allSettled(sends)) {
      if (r.status === 'rejected') this.deps.log.warn({ err: r.reason as unknown, msgId }, 'dispatch not sent on one bearer');
    }
  }

  async close(actor: Principal, id: string, input: unknown): Promise<IncidentRecord> {
    const user = requirePermission(actor, 'incident.manage', 'close incidents');
    const { outcome, note } = parseInput(CloseInput, input);
    const i = this.incident(id);
    if (!mayClose(i.state)) throw new ApiError('TW_CONFLICT', 'incident is already closed', 409);
    await this.deps.journal.append({ source: 'api', type: 'incident.closed', actor: user, ref: id, payload: { incidentId: id, outcome, note: note ?? null } });
    return structuredClone(this.incident(id));
  }
}
