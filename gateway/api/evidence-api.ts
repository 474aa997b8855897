import { z } from 'zod';
import type { Principal } from '../auth/accounts';
import { findBundle, newBundleId, writeBundle, type BundleInfo, type CustodyEntry } from '../evidence/bundle';
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
}

/**
 * Evidence through the application API: every view, mark, hold and export is journaled with
 * its actor and the evidence id as `ref`, so the chain of custody is one journal query.
 */
export class EvidenceApi {
  private readonly journal: Journal;
  private readonly projections: Projections;
  private readonly service: EvidenceService;

  constructor(opts: EvidenceApiOptions) {
    this.journal = opts.journal;
    this.projections = opts.projections;
    this.service = opts.service;
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
    await this.journal.append({ source: 'api', type: 'evidence.viewed', actor: user, subject: `bodycam:${r.cam}`, ref: id, payload: { evidenceId: id } });
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
      subject: `bodycam:${r.cam}`,
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
      subject: `bodycam:${r.cam}`,
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
    if (records.length === 0) throw Errors.notFound(`evidence for incident ${body.incidentId}`);
    const bundleId = newBundleId();
    // The export is recorded before the files leave, so the custody logs inside the bundle include it.
    await Promise.all(
      records.map((r) =>
        this.journal.append({
          source: 'api',
          type: 'evidence.exported',
          actor: user,
          subject: `bodycam:${r.cam}`,
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
    });
    return { bundleId, files: info.evidenceIds.length, download: `/api/evidence/bundles/${bundleId}` };
  }

  /**
   * Hands a bundle over: each item in it gets an `evidence.bundle-downloaded` custody event with
   * the actor, committed before the first byte leaves.
   */
  async download(actor: Principal, bundleId: string): Promise<{ info: BundleInfo; path: string }> {
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
    return found;
  }

  private subjectOf(id: string): string | null {
    const r = this.projections.evidence.get(id);
    return r ? `bodycam:${r.cam}` : null;
  }
}
