import { ulid } from 'ulid';
import type { z } from 'zod';
import type { Camera, Zone } from '../../config/schema';
import type { Principal } from '../auth/accounts';
import { camerasGeoJson, type FeatureCollection } from '../cctv/geojson';
import { VIDEO_PATH_PREFIX, type CameraInfo, type CctvSightingPayload } from '../contract/cctv';
import type { EventPayload } from '../contract/events';
import { CctvBookmark, CctvFault, CctvSighting, isoTime } from '../contract/payloads';
import { Errors } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import { cameraPlaceProblems } from '../tracking/zones';
import { parseInput, requirePermission } from './guard';

type MarkType = 'cctv.sighting' | 'cctv.bookmark' | 'cctv.fault';
/** What an operator records on a camera, typed by the catalogue. */
type CameraMark = { [K in MarkType]: { type: K; payload: EventPayload<K> } }[MarkType];

// The MQTT payloads without `operator` (the logged-in person is the operator) and with the
// time defaulting to now: one event shape, so one projection reads both.

export const SightingInput = CctvSighting.omit({ operator: true }).extend({ seenAt: isoTime.optional() });
export const BookmarkInput = CctvBookmark.omit({ operator: true }).extend({ at: isoTime.optional() });
export const FaultInput = CctvFault.omit({ operator: true });
export type SightingInput = z.input<typeof SightingInput>;

export interface StreamSummary {
  state: CameraInfo['stream']['state'];
  viewers: number;
  width: number | null;
  height: number | null;
  restarts: number;
}

export interface StreamStatusSource {
  streamSummary(cameraId: string): StreamSummary | null;
}

export interface CctvApiDeps {
  journal: Journal;
  projections: Projections;
  cameras: readonly Camera[];
  /** The site's zones, to check where in a camera's picture a sighting is placed (none: no zone hints accepted). */
  zones?: readonly Zone[];
  streams: StreamStatusSource;
}

/** A live view in progress: what its end is journaled with. */
export interface ViewTicket {
  viewId: string;
  cameraId: string;
  user: string;
  from: number;
}

export interface RecordedEvent {
  seq: number;
  eventId: string;
  type: string;
  payload: unknown;
}

const IDLE_STREAM: StreamSummary = { state: 'idle', viewers: 0, width: null, height: null, restarts: 0 };

/**
 * CCTV through the application API: the camera register, live views (each start and end
 * journaled with its viewer, so who watched which camera when is one query), and operators'
 * sightings, bookmarks and fault reports, journaled like the MQTT ones with the operator as actor.
 */
export class CctvApi {
  private readonly byId: ReadonlyMap<string, Camera>;

  constructor(private readonly deps: CctvApiDeps) {
    this.byId = new Map(deps.cameras.map((c) => [c.id, c]));
  }

  private camera(id: string): Camera {
    const c = this.byId.get(id);
    if (!c) throw Errors.notFound(`camera ${id}`);
    return c;
  }

  list(actor: Principal): CameraInfo[] {
    requirePermission(actor, 'cameras.view', 'see the cameras');
    return this.deps.projections.cameras.snapshot().map((v) => ({
      ...v,
      stream: this.deps.streams.streamSummary(v.id) ?? IDLE_STREAM,
      videoPath: `${VIDEO_PATH_PREFIX}${v.id}`,
    }));
  }

  get(actor: Principal, id: string): CameraInfo {
    const info = this.list(actor).find((c) => c.id === id);
    if (!info) throw Errors.notFound(`camera ${id}`);
    return info;
  }

  geojson(actor: Principal): FeatureCollection {
    requirePermission(actor, 'cameras.view', 'see the cameras');
    const health = new Map(this.deps.projections.cameras.snapshot().map((v) => [v.id, v.health]));
    return camerasGeoJson(this.deps.cameras, (id) => ({ health: health.get(id) ?? 'unknown', videoPath: `${VIDEO_PATH_PREFIX}${id}` }));
  }

  /** Checks the viewer may watch and journals the start; the caller streams only after this resolves. */
  async startView(actor: Principal, cameraId: string, meta: { ip: string | null }): Promise<ViewTicket> {
    const user = requirePermission(actor, 'video.watch', 'watch live video');
    this.camera(cameraId);
    const ticket = { viewId: ulid(), cameraId, user, from: Date.now() };
    await this.deps.journal.append({
      source: 'video',
      type: 'video.view-started',
      actor: user,
      subject: `camera:${cameraId}`,
      ref: ticket.viewId,
      payload: { cameraId, viewId: ticket.viewId, from: new Date(ticket.from).toISOString(), ip: meta.ip },
    });
    return ticket;
  }

  async endView(ticket: ViewTicket, outcome: { reason: string; bytes: number }): Promise<void> {
    const to = Date.now();
    await this.deps.journal.append({
      source: 'video',
      type: 'video.view-ended',
      actor: ticket.user,
      subject: `camera:${ticket.cameraId}`,
      ref: ticket.viewId,
      payload: {
        cameraId: ticket.cameraId,
        viewId: ticket.viewId,
        from: new Date(ticket.from).toISOString(),
        to: new Date(to).toISOString(),
        seconds: Math.round((to - ticket.from) / 100) / 10,
        bytes: outcome.bytes,
        reason: outcome.reason,
      },
    });
  }

  async sighting(actor: Principal, cameraId: string, input: unknown): Promise<RecordedEvent> {
    const user = requirePermission(actor, 'cctv.mark', 'mark sightings on camera');
    const camera = this.camera(cameraId);
    const body = parseInput(SightingInput, input);
    const problems = cameraPlaceProblems(camera, body, this.deps.zones ?? []);
    if (problems.length) throw Errors.invalid(problems);
    const payload: CctvSightingPayload = { cameraId, ...body, seenAt: body.seenAt ?? new Date().toISOString(), operator: user };
    return this.record(user, cameraId, { type: 'cctv.sighting', payload });
  }

  async bookmark(actor: Principal, cameraId: string, input: unknown): Promise<RecordedEvent> {
    const user = requirePermission(actor, 'cctv.mark', 'bookmark camera footage');
    this.camera(cameraId);
    const body = parseInput(BookmarkInput, input);
    return this.record(user, cameraId, { type: 'cctv.bookmark', payload: { cameraId, ...body, at: body.at ?? new Date().toISOString(), operator: user } });
  }

  async fault(actor: Principal, cameraId: string, input: unknown): Promise<RecordedEvent> {
    const user = requirePermission(actor, 'cctv.fault.report', 'report camera faults');
    this.camera(cameraId);
    const body = parseInput(FaultInput, input);
    return this.record(user, cameraId, { type: 'cctv.fault', payload: { cameraId, ...body, operator: user } });
  }

  private async record(user: string, cameraId: string, event: CameraMark): Promise<RecordedEvent> {
    const e = await this.deps.journal.append({ source: 'api', actor: user, subject: `camera:${cameraId}`, ...event });
    return { seq: e.seq, eventId: e.id, type: e.type, payload: e.payload };
  }
}
