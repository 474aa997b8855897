import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../config/schema';
import { actingRole, can } from '../contract/policy';
import type { Principal } from '../auth/accounts';
import { findBundle, newBundleId, writeBundle, type BundleInfo, type CustodyEntry } from '../evidence/bundle';
import { MAX_CLIP_SECONDS, type ClipRecorder } from '../evidence/clips';
import { exhibitFileName } from '../contract/file-name';
import { incidentDocuments } from '../evidence/incident-documents';
import type { EvidenceService } from '../evidence/service';
import { ApiError, Errors } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import type { EvidenceRecord, MismatchAlarm } from '../projections/evidence';
import { parseInput, requirePermission } from './guard';

export const MarkInput = z.strictObject({ incidentId: z.string().min(1).max(64) });
export const HoldInput = z.strictObject({ on: z.boolean(), reason: z.string().min(1).max(500) });
/** No path: bundles go only to the configured export folder, under a generated name. */
export const BundleInput = z.strictObject({ incidentId: z.string().min(1).max(64) });
/** A clip from a live camera: N seconds from now, optionally attached (marked evidential) to an incident. */
export const ClipInput = z.strictObject({
  seconds: z.number().int().min(1).max(MAX_CLIP_SECONDS),
  incidentId: z.string().min(1).max(64).optional(),
});
/** What the handler did about it (checked the camera, informed the provider...), for the record. */
export const AlarmAckInput = z.strictObject({ note: z.string().min(1).max(500) });

export interface BundleCreated {
  bundleId: string;
  files: number;
  /** Where the archive is downloaded (the download is journaled as custody). */
  download: string;
}

export interface EvidenceApiOptions {
  journal: Journal;
  projections: Projections;
  service: EvidenceService;
  config: Config;
  clips: ClipRecorder;
}

/** A part of an exhibit's file, for a player's range request. */
export interface MediaPart {
  path: string;
  size: number;
  start: number;
  end: number;
  /** 206 when a range was asked for, 200 for the whole file. */
  status: 200 | 206;
  fileName: string;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range; players ask for one); null: the whole file; undefined: not satisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | undefined {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? undefined : { start, end };
}

/**
 * Evidence through the application API: every view, mark, hold and export is journaled with
 * its actor and the evidence id as `ref`, so the chain of custody is one journal query.
 */
export class EvidenceApi {
  private readonly journal: Journal;
  private readonly projections: Projections;
  private readonly service: EvidenceService;
  private readonly config: Config;
  private readonly clips: ClipRecorder;

  constructor(opts: EvidenceApiOptions) {
    this.journal = opts.journal;
    this.projections = opts.projections;
    this.service = opts.service;
    this.config = opts.config;
    this.clips = opts.clips;
  }

  private record(id: string): EvidenceRecord {
    const r = this.projections.evidence.get(id);
    if (!r) throw Errors.notFound(`evidence ${id}`);
    return r;
  }

  list(actor: Principal): EvidenceRecord[] {
    requirePermission(actor, 'evidence.view', 'see evidence');
    return this.projections.evidence.snapshot();
  }

  /** Hash-mismatch alarms, newest first: footage that did not match its offer, kept in quarantine. */
  alarms(actor: Principal): MismatchAlarm[] {
    requirePermission(actor, 'evidence.view', 'see evidence alarms');
    return this.projections.evidence.mismatchAlarms().reverse();
  }

  async acknowledgeAlarm(actor: Principal, alarmId: string, input: unknown): Promise<MismatchAlarm> {
    const user = requirePermission(actor, 'evidence.handle', 'acknowledge an evidence alarm');
    const body = parseInput(AlarmAckInput, input);
    const alarm = this.projections.evidence.mismatchAlarms().find((a) => a.id === alarmId);
    if (!alarm) throw Errors.notFound(`alarm ${alarmId}`);
    if (alarm.acknowledged) throw new ApiError('TW_CONFLICT', `already acknowledged by ${alarm.acknowledged.by}`, 409);
    await this.journal.append({
      source: 'api',
      type: 'evidence.alarm-acknowledged',
      actor: user,
      subject: `bodycam:${alarm.cam}`,
      ref: alarm.offered,
      payload: { alarmId, cam: alarm.cam, fileNo: alarm.fileNo, name: alarm.name, note: body.note },
    });
    return this.projections.evidence.mismatchAlarms().find((a) => a.id === alarmId)!;
  }

  docks(actor: Principal) {
    requirePermission(actor, 'evidence.view', 'see docks');
    return this.service.docks();
  }

  async view(actor: Principal, id: string): Promise<EvidenceRecord> {
    const user = requirePermission(actor, 'evidence.view', 'see evidence');
    const r = this.record(id);
    await this.journal.append({ source: 'api', type: 'evidence.viewed', actor: user, subject: this.subjectOf(r.id), ref: id, payload: { evidenceId: id } });
    return { ...r };
  }

  custody(actor: Principal, id: string): CustodyEntry[] {
    requirePermission(actor, 'evidence.view', 'see the chain of custody');
    this.record(id);
    return this.custodyOf(id);
  }

  private custodyOf(id: string): CustodyEntry[] {
    return this.journal.reader
      .events({ ref: id, typePrefix: 'evidence.' })
      .map((e) => ({ seq: e.seq, ts: new Date(e.ts).toISOString(), type: e.type, actor: e.actor, source: e.source }));
  }

  async markEvidential(actor: Principal, id: string, input: unknown): Promise<EvidenceRecord> {
    const user = requirePermission(actor, 'evidence.handle', 'mark evidence');
    const body = parseInput(MarkInput, input);
    const r = this.record(id);
    if (r.deleted) throw new ApiError('TW_GONE', 'this footage was deleted under retention', 410);
    await this.journal.append({
      source: 'api',
      type: 'evidence.marked-evidential',
      actor: user,
      subject: this.subjectOf(r.id),
      ref: id,
      payload: { evidenceId: id, incidentId: body.incidentId },
    });
    return { ...this.record(id) };
  }

  async hold(actor: Principal, id: string, input: unknown): Promise<EvidenceRecord> {
    const user = requirePermission(actor, 'evidence.handle', 'put evidence on hold');
    const body = parseInput(HoldInput, input);
    const r = this.record(id);
    await this.journal.append({
      source: 'api',
      type: 'evidence.hold',
      actor: user,
      subject: this.subjectOf(r.id),
      ref: id,
      payload: { evidenceId: id, on: body.on, reason: body.reason },
    });
    return { ...this.record(id) };
  }

  /** Writes a bundle of an incident's evidence as a tar archive in the export folder. */
  async bundle(actor: Principal, input: unknown): Promise<BundleCreated> {
    const user = requirePermission(actor, 'evidence.handle', 'export evidence');
    const body = parseInput(BundleInput, input);
    const records = this.projections.evidence.forIncident(body.incidentId);
    // An incident's bundle carries its record, reports and track even before footage is attached,
    // for a role that may export incidents and tracks (police); the security manager's carries
    // the footage and its custody only, as its role reads no subjects or tracks.
    const incident = this.projections.incidents.get(body.incidentId);
    const documents = incident && can(actingRole(actor), 'tracking.export');
    if (records.length === 0 && !documents) throw Errors.notFound(`evidence for incident ${body.incidentId}`);
    const bundleId = newBundleId();
    // The export is recorded before the files leave, so the custody logs inside the bundle include it.
    await Promise.all(
      records.map((r) =>
        this.journal.append({
          source: 'api',
          type: 'evidence.exported',
          actor: user,
          subject: this.subjectOf(r.id),
          ref: r.id,
          payload: { evidenceId: r.id, incidentId: body.incidentId, bundleId },
        }),
      ),
    );
    const info = await writeBundle({
      incidentId: body.incidentId,
      records,
      custody: (id) => this.custodyOf(id),
      pathOf: (sha) => this.service.store.pathOf(sha),
      exportedBy: user,
      exportDir: this.service.exportDir,
      bundleId,
      timeZone: this.config.site.timezone,
      reference: incident?.reference ?? null,
      documents: documents ? incidentDocuments(incident, { config: this.config, journal: this.journal, projections: this.projections }) : [],
    });
    return { bundleId, files: info.evidenceIds.length, download: `/api/evidence/bundles/${bundleId}` };
  }

  /**
   * Hands a bundle over: each item in it gets an `evidence.bundle-downloaded` custody event with
   * the actor, committed before the first byte leaves.
   */
  async download(actor: Principal, bundleId: string): Promise<{ info: BundleInfo; path: string; fileName: string }> {
    const user = requirePermission(actor, 'evidence.handle', 'download evidence');
    const found = await findBundle(this.service.exportDir, bundleId);
    if (!found) throw Errors.notFound(`bundle ${bundleId}`);
    const { info } = found;
    await Promise.all(
      info.evidenceIds.map((id) =>
        this.journal.append({
          source: 'api',
          type: 'evidence.bundle-downloaded',
          actor: user,
          subject: this.subjectOf(id),
          ref: id,
          payload: { evidenceId: id, incidentId: info.incidentId, bundleId },
        }),
      ),
    );
    // Saved under the number people quote for the incident, then the bundle's own id.
    const label = (this.projections.incidents.get(info.incidentId)?.reference ?? info.incidentId).replace(/[^\w.-]/g, '_');
    return { ...found, fileName: `${label}_${bundleId}.tar` };
  }

  /**
   * An exhibit's bytes for a player (`<video>` asks by range). Playing is access to footage: the
   * first request of a play (from byte 0, or without a range) is journaled as `evidence.previewed`
   * before any byte leaves; the player's follow-up ranges within it are not each recorded.
   */
  async media(actor: Principal, id: string, range: string | undefined): Promise<MediaPart> {
    const user = requirePermission(actor, 'evidence.view', 'play footage');
    const r = this.record(id);
    if (r.deleted) throw new ApiError('TW_GONE', 'this footage was deleted under retention', 410);
    const size = r.size;
    const part = parseRange(range, size);
    if (part === undefined) throw new ApiError('TW_RANGE', `range not satisfiable (the file is ${size} bytes)`, 416, { size });
    const { start, end } = part ?? { start: 0, end: size - 1 };
    if (start === 0) {
      await this.journal.append({
        source: 'api',
        type: 'evidence.previewed',
        actor: user,
        subject: this.subjectOf(id),
        ref: id,
        payload: { evidenceId: id, range: range ?? null },
      });
    }
    return {
      path: this.service.store.pathOf(r.receivedSha256),
      size,
      start,
      end,
      status: part ? 206 : 200,
      fileName: exhibitFileName(r, this.config.site.timezone),
    };
  }

  /**
   * Records a clip from a live camera into the evidence store (ffmpeg stream copy), journals it as
   * an exhibit with the operator as actor, and when an incident is named, marks it evidential for
   * that incident, so it goes into the incident's bundle.
   */
  async recordClip(actor: Principal, cameraId: string, input: unknown): Promise<EvidenceRecord> {
    const user = requirePermission(actor, 'cctv.record', 'record clips from cameras');
    const body = parseInput(ClipInput, input);
    const camera = this.config.cameras.find((c) => c.id === cameraId);
    if (!camera) throw Errors.notFound(`camera ${cameraId}`);
    const incident = body.incidentId === undefined ? null : this.projections.incidents.get(body.incidentId);
    if (incident === undefined) throw Errors.notFound(`incident ${body.incidentId}`);
    const clip = await this.clips.record(camera, body.seconds);
    const evidenceId = `ev-${createHash('sha256').update(`cctv\n${cameraId}\n${clip.recStart}\n${clip.sha256}`).digest('hex').slice(0, 32)}`;
    const name = exhibitFileName({ cam: cameraId, name: '.mp4', recStart: clip.recStart }, this.config.site.timezone);
    await this.journal.append({
      source: 'api',
      type: 'evidence.clip-recorded',
      actor: user,
      subject: `camera:${cameraId}`,
      ref: evidenceId,
      payload: {
        evidenceId,
        cameraId,
        sha256: clip.sha256,
        size: clip.size,
        name,
        recStart: clip.recStart,
        recEnd: clip.recEnd,
        seconds: body.seconds,
        incidentId: incident?.incidentId ?? null,
      },
    });
    if (incident) {
      await this.journal.append({
        source: 'api',
        type: 'evidence.marked-evidential',
        actor: user,
        subject: `camera:${cameraId}`,
        ref: evidenceId,
        payload: { evidenceId, incidentId: incident.incidentId },
      });
    }
    return { ...this.record(evidenceId) };
  }

  private subjectOf(id: string): string | null {
    const r = this.projections.evidence.get(id);
    return r ? `${r.origin === 'cctv' ? 'camera' : 'bodycam'}:${r.cam}` : null;
  }
}
