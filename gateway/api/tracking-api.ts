import { ReportPhotos } from './report-photos';
import type { Principal } from '../auth/accounts';
import type { ConsoleRole } from '../contract/roles';
import { ExportQuery, HotspotQuery, LinkInput, NoteInput, ReportInput, SightingInput, StateQuery } from '../contract/tracking';
import type { TrackView } from '../contract/tracking-views';
import { ApiError, Errors } from '../http/errors';
import { Projections, stateJsonFor } from '../projections';
import type { BreachRecord } from '../projections/cbos';
import { systemClock } from '../clock';
import { sharedWithMembersAt } from '../tracking/gallery';
import { cotDocument, incidentCot, trackCot } from '../tracking/cot';
import { incidentEido } from '../tracking/eido';
import { incidentGeoJson, trackGeoJson } from '../tracking/geojson';
import { buildGraph, type ZoneGraph } from '../tracking/graph';
import { HOTSPOT_TYPES, hotspotItems, hotspots, type Hotspots } from '../tracking/hotspots';
import type { ReportedSightingPayload } from '../tracking/sightings';
import { coverageTable, handover, predict, summary, type CameraCover, type Sighting, type SourceKind, type Track } from '../tracking/track';
import { parseInput, requirePermission } from './guard';
import { IncidentsApi, type IncidentsDeps } from './incidents-api';
import { SubjectsApi } from './subjects-api';
import { checkPlace, journalPlace } from './tracking-common';

/** What a sighting reported through the API is, unless the reporter says: an operator watches cameras, an officer radios in. */
const SOURCE_OF: Partial<Record<ConsoleRole, SourceKind>> = { 'cctv-operator': 'cctv', police: 'radio', 'security-manager': 'bodycam', controller: 'radio' };
const DAY_MS = 86_400_000;

export interface ExportFile {
  contentType: string;
  filename: string;
  body: string;
}

/**
 * Tracking through the application API: shop reports, sightings, tracks, breaches, hotspots,
 * exports and time travel; `subjects` (the gallery and orders) and `incidents` (dispatch) are
 * its parts. Each human action is journaled with its actor; sightings themselves are derived
 * from the journaled reports by the tracking watch, the same way for REST, sockets and MQTT.
 */
export class TrackingApi {
  readonly subjects: SubjectsApi;
  readonly incidents: IncidentsApi;
  readonly photos: ReportPhotos;
  private graphCache: ZoneGraph | null = null;
  private coverCache: Map<string, CameraCover[]> | null = null;

  constructor(private readonly deps: IncidentsDeps) {
    this.subjects = new SubjectsApi(deps);
    this.incidents = new IncidentsApi(deps);
    this.photos = new ReportPhotos(deps);
  }

  /** A shop's report: a member for their own premises, the control room for any. Journaled as MQTT terminals' are. */
  async report(actor: Principal, input: unknown): Promise<{ reportId: string; sightingId: string; incidentId: string | null }> {
    const user = requirePermission(actor, 'report.create', 'report for a premises');
    const { premisesId: asked, ...body } = parseInput(ReportInput, input);
    const premisesId = asked ?? actor.premisesId;
    if (!premisesId) throw Errors.invalid(['premisesId: name the premises reporting']);
    if (actor.consoleRole === 'member' && premisesId !== actor.premisesId) throw Errors.forbidden(`report for premises ${premisesId}`);
    if (!this.deps.config.premises.some((p) => p.id === premisesId)) throw Errors.invalid([`premisesId: unknown premises "${premisesId}"`]);
    if (body.subjectId) {
      const s = this.deps.projections.subjects.get(body.subjectId);
      // A member may only name a subject shared with members; anything else is unknown to them.
      if (!s || (actor.consoleRole === 'member' && !sharedWithMembersAt(s, (this.deps.clock ?? systemClock).now())))
        throw Errors.invalid([`subjectId: unknown subject "${body.subjectId}"`]);
    }
    await this.photos.checkRefs(body.media ?? []);
    const e = await this.deps.journal.append({
      source: 'api',
      type: 'shop.report',
      actor: user,
      subject: `premises:${premisesId}`,
      payload: { premisesId, ...body },
    });
    return { reportId: e.id, sightingId: `sg-${e.id}`, incidentId: body.kind === 'incident' ? `inc-${e.id}` : null };
  }

  /** An officer's radio report, an operator marking a camera, a guard's body-worn video. */
  async reportSighting(actor: Principal, input: unknown): Promise<{ sightingId: string }> {
    const user = requirePermission(actor, 'sighting.report', 'report sightings');
    const body = parseInput(SightingInput, input);
    const place = journalPlace(body.place, this.deps);
    checkPlace(place, this.deps.config);
    if (body.subjectId && !this.deps.projections.subjects.has(body.subjectId)) throw Errors.invalid([`subjectId: unknown subject "${body.subjectId}"`]);
    if (body.unitId && !this.deps.projections.units.get(body.unitId)) throw Errors.invalid([`unitId: unknown unit "${body.unitId}"`]);
    const payload: ReportedSightingPayload = {
      subjectId: body.subjectId ?? null,
      description: body.description ?? null,
      at: body.at ?? new Date().toISOString(),
      kind: body.source ?? SOURCE_OF[actor.consoleRole!] ?? 'patrol',
      place,
      unitId: body.unitId ?? null,
      media: body.media,
      ...(body.subjectId ? { sharedRegionally: this.deps.projections.subjects.sharedRegionally(body.subjectId) } : {}),
    };
    const e = await this.deps.journal.append({
      source: 'api',
      type: 'sighting.reported',
      actor: user,
      subject: body.subjectId ? `subject:${body.subjectId}` : null,
      payload,
    });
    return { sightingId: `sg-${e.id}` };
  }

  /** "That was them": an unlinked sighting joins a subject's track (and is checked against their orders). */
  async linkSighting(actor: Principal, sightingId: string, input: unknown): Promise<{ sightingId: string; subjectId: string }> {
    const user = requirePermission(actor, 'breach.respond', 'link sightings');
    const { subjectId } = parseInput(LinkInput, input);
    if (!this.deps.projections.tracks.unlinkedSighting(sightingId)) throw Errors.notFound(`unlinked sighting ${sightingId}`);
    if (!this.deps.projections.subjects.has(subjectId)) throw Errors.invalid([`subjectId: unknown subject "${subjectId}"`]);
    await this.deps.journal.append({
      source: 'api',
      type: 'sighting.linked',
      actor: user,
      subject: `subject:${subjectId}`,
      ref: sightingId,
      payload: { sightingId, subjectId },
    });
    return { sightingId, subjectId };
  }

  unlinked(actor: Principal): Sighting[] {
    requirePermission(actor, 'tracking.view', 'see sightings');
    return this.deps.projections.tracks.snapshot().unlinked;
  }

  private get graph(): ZoneGraph {
    return (this.graphCache ??= buildGraph(this.deps.config.zones));
  }

  private get cover(): Map<string, CameraCover[]> {
    return (this.coverCache ??= coverageTable(this.deps.config));
  }

  private trackView(t: Track, nowMs: number): TrackView {
    const predicted = t.state === 'active' ? predict(t, this.graph, nowMs, this.deps.config.tracking.predictSeconds, this.cover) : [];
    return { track: structuredClone(t), summary: summary(t), predicted, handover: handover(t, predicted, this.cover) };
  }

  tracks(actor: Principal, nowMs = Date.now()): Array<Omit<TrackView, 'track'>> {
    requirePermission(actor, 'tracking.view', 'see tracks');
    return [...this.deps.projections.tracks.all()].map((t) => {
      const { summary: s, predicted, handover: h } = this.trackView(t, nowMs);
      return { summary: s, predicted, handover: h };
    });
  }

  /** One subject's track, with where they may be heading now and the cameras to hand over to. */
  track(actor: Principal, subjectId: string, nowMs = Date.now()): TrackView {
    requirePermission(actor, 'tracking.view', 'see tracks');
    const t = this.deps.projections.tracks.get(subjectId);
    if (!t) throw Errors.notFound(`track of ${subjectId}`);
    return this.trackView(t, nowMs);
  }

  breaches(actor: Principal): BreachRecord[] {
    requirePermission(actor, 'tracking.view', 'see breaches');
    return this.deps.projections.breaches.snapshot();
  }

  async acknowledgeBreach(actor: Principal, id: string, input: unknown): Promise<BreachRecord> {
    const user = requirePermission(actor, 'breach.respond', 'acknowledge breaches');
    const { note } = parseInput(NoteInput, input ?? {});
    const b = this.deps.projections.breaches.get(id);
    if (!b) throw Errors.notFound(`breach ${id}`);
    if (b.acknowledged) throw new ApiError('TW_CONFLICT', `already acknowledged by ${b.acknowledged.by ?? 'someone'}`, 409);
    await this.deps.journal.append({
      source: 'api',
      type: 'breach.acknowledged',
      actor: user,
      subject: `subject:${b.subjectId}`,
      ref: id,
      payload: { breachId: id, note: note ?? null },
    });
    return structuredClone(this.deps.projections.breaches.get(id)!);
  }

  /** Incidents and sightings per zone × hour of week, and prolific subjects, over a period (default the last 28 days). */
  async hotspots(actor: Principal, query: unknown, nowMs = Date.now()): Promise<Hotspots> {
    const user = requirePermission(actor, 'tracking.view', 'see hotspots');
    const q = parseInput(HotspotQuery, query ?? {});
    const to = q.to ? Date.parse(q.to) : nowMs;
    const from = q.from ? Date.parse(q.from) : to - 28 * DAY_MS;
    if (from >= to) throw Errors.invalid(['from: must be before to']);
    // Off the main thread (time travel's worker reads its own connection); a plain scan without it.
    const result = this.deps.timeTravel
      ? await this.deps.timeTravel.hotspots(from, to)
      : // Facts are journaled after they happen: anything that happened from `from` on was journaled after it.
        hotspots(hotspotItems(this.deps.journal.reader.iterate({ types: HOTSPOT_TYPES, fromTs: from })), from, to, this.deps.config.site.timezone);
    await this.deps.journal.append({
      source: 'api',
      type: 'hotspots.viewed',
      actor: user,
      payload: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    });
    return result;
  }

  private label(subjectId: string): string {
    const s = this.deps.projections.subjects.get(subjectId);
    return s?.name ?? `Subject ${subjectId}`;
  }

  private async exported(user: string, kind: 'track' | 'incident', id: string, format: string, subject: string | null): Promise<void> {
    await this.deps.journal.append({ source: 'api', type: 'export.created', actor: user, subject, ref: id, payload: { kind, id, format } });
  }

  /** A subject's track as GeoJSON or Cursor-on-Target; each export is journaled with who took it. */
  async exportTrack(actor: Principal, subjectId: string, query: unknown, nowMs = Date.now()): Promise<ExportFile> {
    const user = requirePermission(actor, 'tracking.export', 'export tracks');
    const { format } = parseInput(ExportQuery, query);
    if (format === 'eido') throw Errors.invalid(['format: a track exports as geojson or cot']);
    const t = this.deps.projections.tracks.get(subjectId);
    if (!t) throw Errors.notFound(`track of ${subjectId}`);
    await this.exported(user, 'track', subjectId, format, `subject:${subjectId}`);
    const label = this.label(subjectId);
    return format === 'geojson'
      ? { contentType: 'application/geo+json', filename: `${t.trackId}.geojson`, body: JSON.stringify(trackGeoJson(t, label)) }
      : { contentType: 'application/xml', filename: `${t.trackId}.cot.xml`, body: cotDocument(trackCot(t, label, { nowMs })) };
  }

  /** An incident as GeoJSON, Cursor-on-Target, or a NENA EIDO for a police CAD. */
  async exportIncident(actor: Principal, id: string, query: unknown, nowMs = Date.now()): Promise<ExportFile> {
    const user = requirePermission(actor, 'tracking.export', 'export incidents');
    const { format } = parseInput(ExportQuery, query);
    const i = this.deps.projections.incidents.get(id);
    if (!i) throw Errors.notFound(`incident ${id}`);
    await this.exported(user, 'incident', id, format, i.subjectId ? `subject:${i.subjectId}` : null);
    const { config, projections } = this.deps;
    const track = i.subjectId ? (projections.tracks.get(i.subjectId) ?? null) : null;
    const label = i.subjectId ? this.label(i.subjectId) : 'Unknown';
    if (format === 'geojson') {
      const zone = config.zones.find((z) => z.id === i.zone) ?? null;
      return { contentType: 'application/geo+json', filename: `${id}.geojson`, body: JSON.stringify(incidentGeoJson(i, zone, track, label)) };
    }
    if (format === 'cot') return { contentType: 'application/xml', filename: `${id}.cot.xml`, body: cotDocument(incidentCot(i, track, label, { nowMs })) };
    const s = i.subjectId ? projections.subjects.get(i.subjectId) : undefined;
    const eido = incidentEido(structuredClone(i), {
      nowMs,
      siteId: config.site.id,
      zoneName: config.zones.find((z) => z.id === i.zone)?.name ?? null,
      premisesName: config.premises.find((p) => p.id === i.premisesId)?.name ?? null,
      person: i.subjectId ? { subjectId: i.subjectId, name: s?.name ?? null, description: s?.description ?? null } : null,
    });
    return { contentType: 'application/json', filename: `${id}.eido.json`, body: JSON.stringify(eido) };
  }

  /**
   * The town as it was at a moment, as the actor's role may see it: JSON text (`snapshotFor`),
   * made in time travel's worker from its checkpoints, or replayed here without one.
   */
  async stateJsonAt(actor: Principal, query: unknown): Promise<string> {
    // A past state is replay: positions then are personal data beyond the live picture.
    const user = requirePermission(actor, 'replay.view');
    const { at } = parseInput(StateQuery, query ?? {});
    if (!at) throw Errors.invalid(['at: give the time to travel to']);
    const until = Date.parse(at);
    const json = this.deps.timeTravel
      ? await this.deps.timeTravel.stateJsonAt(until, actor.consoleRole)
      : stateJsonFor(new Projections(this.deps.config).replay(this.deps.journal.replay(until)).snapshot(), actor.consoleRole);
    await this.deps.journal.append({ source: 'api', type: 'state.time-travel', actor: user, payload: { at } });
    return json;
  }
}
