import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import type { DockSessionEvent } from '../../devices/dock/events';
import { DockSession } from '../../devices/dock/session';
import type { OfferKey, VerifiedInfo } from '../../devices/dock/sink';
import type { DockLive, DockTransfer } from '../contract/views';
import type { Journal } from '../journal/journal';
import type { Metrics } from '../metrics';
import type { AppendInput } from '../journal/types';
import type { Projections } from '../projections';
import { retentionStart } from '../projections/evidence';
import { exhibitId } from './exhibit';
import { NoiseAggregator, noiseKind, type NoiseSummary } from './noise';
import { EvidenceStore } from './store';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { DockTransfer, DockLive } from '../contract/views';

/** A dock's line noise: the first of each kind at once, the rest as one summary per this window. */
export const NOISE_REPORT_MS = 60_000;

export interface DockTiming {
  retransmitMs?: number;
  heartbeatMs?: number;
  noiseReportMs?: number;
}

export interface EvidenceServiceOptions {
  config: Config;
  journal: Journal;
  projections: Projections;
  log: Logger;
  /** Paths in the config are relative to this directory. */
  baseDir: string;
  /** Dock protocol timings (tests shorten them). */
  timing?: DockTiming;
  metrics?: Metrics;
}

/**
 * Body-worn camera docks into evidence. Each dock's session streams files into the
 * content-addressed store; when a file's hash matches the offer, its custody (offered,
 * received, verified, erase permitted) is committed to the journal, and only then does the
 * session send ERASE_OK. Progress is live state, not history, so it is not journaled.
 */
export class EvidenceService {
  readonly store: EvidenceStore;
  /** Where bundles are written (config `evidence.exportDir`, under the data dir). */
  readonly exportDir: string;
  private readonly sessions = new Map<string, DockSession>();
  private readonly live = new Map<string, DockLive>();
  private readonly noise: NoiseAggregator;
  private readonly noiseWrites = new Set<Promise<void>>();

  private readonly config: Config;
  private readonly journal: Journal;
  private readonly projections: Projections;
  private readonly log: Logger;
  private readonly baseDir: string;
  private readonly timing: DockTiming;
  private readonly metrics: Metrics | undefined;

  constructor(opts: EvidenceServiceOptions) {
    const { config, log, baseDir } = opts;
    const timing = opts.timing ?? {};
    this.config = config;
    this.journal = opts.journal;
    this.projections = opts.projections;
    this.log = log;
    this.baseDir = baseDir;
    this.timing = timing;
    this.metrics = opts.metrics;
    this.exportDir = resolve(baseDir, config.gateway.dataDir, config.evidence.exportDir);
    this.store = new EvidenceStore({
      dir: resolve(baseDir, config.gateway.dataDir, 'evidence'),
      onVerified: (key, info) => this.commitCustody(key, info),
      logger: log,
      minFreeBytes: config.evidence.disk.minFreeMiB * 1024 * 1024,
    });
    this.noise = new NoiseAggregator(
      timing.noiseReportMs ?? NOISE_REPORT_MS,
      (s) => this.journalNoise(s),
      (dockId, reason, rawHex) =>
        this.journalNoiseWrite(
          this.journal.append({
            source: `dock:${dockId}`,
            type: 'quarantine.message',
            subject: `dock:${dockId}`,
            payload: { topic: null, dockId, kind: 'dock', reason, rawHex },
          }),
        ),
    );
  }

  async start(): Promise<void> {
    await this.store.start();
    for (const dock of this.config.docks) {
      if (!dock.serialPath) continue;
      const { retransmitMs, heartbeatMs } = this.timing;
      const session = new DockSession({
        path: resolve(this.baseDir, dock.serialPath),
        dockId: dock.id,
        sink: this.store,
        logger: this.log,
        ...(retransmitMs ? { retransmitMs } : {}),
        ...(heartbeatMs ? { heartbeatMs } : {}),
      });
      this.live.set(dock.id, { dockId: dock.id, name: dock.name, linkUp: false, transfers: {}, refusing: null });
      session.on('event', (ev) => this.onEvent(ev));
      this.sessions.set(dock.id, session);
      await session.start();
    }
  }

  docks(): DockLive[] {
    return [...this.live.values()].map((d) => ({
      ...d,
      transfers: Object.fromEntries(Object.entries(d.transfers).map(([k, t]) => [k, { ...t }])),
      refusing: d.refusing && { ...d.refusing },
    }));
  }

  wearerOf(cam: string, offered?: string): string | null {
    return this.config.bodyCams.find((b) => b.serial === cam)?.wearer ?? offered ?? null;
  }

  /** The exhibit a recording belongs to: the one already recorded for it, else its derived id. */
  exhibitOf(key: { cam: string; fileNo: number; sha256: string }): string {
    return this.projections.evidence.byKey(key.cam, key.fileNo, key.sha256)?.id ?? exhibitId(key);
  }

  /**
   * Called by the store before ERASE_OK: the custody record must be durable first. Custody is
   * per exhibit (camera, file number, offered hash): bytes equal to another camera's recording
   * are stored once but get their own received/verified events, camera and wearer here.
   */
  private async commitCustody(key: OfferKey, info: VerifiedInfo): Promise<void> {
    const source = `dock:${key.dockId}`;
    const subject = `bodycam:${key.cam}`;
    const existing = this.projections.evidence.byKey(key.cam, key.fileNo, key.sha256);
    if (existing) {
      // Offered again after a link drop between our commit and the dock's ERASE_OK: same recording.
      await this.journal.append({
        source,
        type: 'evidence.erase-permitted',
        subject,
        ref: existing.id,
        payload: { evidenceId: existing.id, dockId: key.dockId, cam: key.cam, fileNo: key.fileNo, repeat: true },
      });
      return;
    }
    const ref = exhibitId(key);
    const o = info.offer;
    const common = { evidenceId: ref, dockId: key.dockId, cam: key.cam, fileNo: key.fileNo };
    // Verified against the stored bytes (the store re-hashes them); say so, and with whom they are shared.
    const sharedWith = this.projections.evidence.sharing(info.sha256, ref).map((r) => r.id);
    await Promise.all([
      this.journal.append({
        source,
        type: 'evidence.received',
        subject,
        ref,
        payload: { ...common, size: info.size, receivedSha256: info.sha256, bytesSharedWith: sharedWith },
      }),
      this.journal.append({
        source,
        type: 'evidence.verified',
        subject,
        ref,
        payload: {
          ...common,
          sha256: info.sha256,
          deviceSha256: key.sha256,
          size: info.size,
          bay: o.bay,
          name: o.name,
          recStart: o.recStart,
          recEnd: o.recEnd,
          wearer: this.wearerOf(key.cam, o.wearer),
          gps: o.gps ?? null,
          verifiedAt: info.verifiedAt,
        },
      }),
      this.journal.append({ source, type: 'evidence.erase-permitted', subject, ref, payload: common }),
      ...this.clockNote(key, info, ref),
    ]);
  }

  /**
   * Once per recording (custody is committed once per hash): a camera clock retention will not
   * believe is on the record, with what it said and what the gateway counts from instead.
   */
  private clockNote(key: OfferKey, info: VerifiedInfo, ref: string): Array<Promise<unknown>> {
    const o = info.offer;
    const receivedAt = Date.parse(info.verifiedAt);
    const { from, distrusted } = retentionStart(o.recStart, o.recEnd, receivedAt, this.config.evidence.recordingClock);
    if (!distrusted) return [];
    this.log.warn({ cam: key.cam, recEnd: o.recEnd, reason: distrusted }, 'camera clock not believed; retention counts from receipt');
    return [
      this.journal.append({
        source: 'gateway',
        type: 'evidence.clock-distrusted',
        subject: `bodycam:${key.cam}`,
        ref,
        payload: {
          evidenceId: ref,
          cam: key.cam,
          recStart: o.recStart,
          recEnd: o.recEnd,
          receivedAt: info.verifiedAt,
          retentionFrom: new Date(from).toISOString(),
          reason: distrusted,
        },
      }),
    ];
  }

  private onEvent(ev: DockSessionEvent): void {
    const live = this.live.get(ev.dockId);
    const source = `dock:${ev.dockId}`;
    const now = new Date().toISOString();
    let input: AppendInput | null = null;
    switch (ev.type) {
      case 'dock.progress': {
        const key = `${ev.cam}/${ev.fileNo}`;
        const was = live?.transfers[key];
        if (live)
          live.transfers[key] = {
            cam: ev.cam,
            bay: ev.bay,
            fileNo: ev.fileNo,
            name: '',
            state: 'receiving',
            ...was,
            offset: ev.offset,
            size: ev.size,
            updatedAt: now,
          };
        return;
      }
      case 'dock.link':
        if (live) live.linkUp = ev.state === 'up';
        if (live && ev.state === 'down') this.settle(live, () => true, 'interrupted');
        input = { source, type: 'dock.link', subject: `dock:${ev.dockId}`, payload: ev };
        break;
      case 'dock.event':
        if (live && ev.e === 'undocked') this.settle(live, (t) => t.cam === ev.cam, 'undocked');
        // A new docking starts the camera's list afresh; what was left unfinished stays until then.
        if (live && ev.e === 'docked') for (const [k, t] of Object.entries(live.transfers)) if (t.cam === ev.cam) delete live.transfers[k];
        input = { source, type: 'dock.event', subject: `bodycam:${ev.cam}`, payload: ev };
        break;
      case 'dock.refused':
        this.metrics?.evidenceOffersRefused.inc();
        // One alarm per episode: a dock re-offers every few seconds while the disk stays full.
        if (!live || live.refusing) return;
        live.refusing = { since: new Date().toISOString(), reason: ev.reason };
        this.metrics?.evidenceStorageFull.set(1);
        input = {
          source: 'gateway',
          type: 'evidence.storage-full',
          subject: `dock:${ev.dockId}`,
          payload: {
            dockId: ev.dockId,
            cam: ev.cam,
            fileNo: ev.fileNo,
            name: ev.name,
            size: ev.size,
            freeBytes: ev.freeBytes,
            neededBytes: ev.neededBytes,
            minFreeBytes: ev.minFreeBytes,
            reason: ev.reason,
          },
        };
        break;
      case 'dock.offer':
        if (live?.refusing) {
          live.refusing = null;
          if (![...this.live.values()].some((d) => d.refusing)) this.metrics?.evidenceStorageFull.set(0);
        }
        if (live)
          live.transfers[`${ev.cam}/${ev.fileNo}`] = {
            cam: ev.cam,
            bay: ev.bay,
            fileNo: ev.fileNo,
            name: ev.name,
            offset: ev.resumeFrom,
            size: ev.size,
            state: 'receiving',
            updatedAt: now,
          };
        {
          const evidenceId = this.exhibitOf(ev);
          input = {
            source,
            type: 'evidence.offered',
            subject: `bodycam:${ev.cam}`,
            ref: evidenceId,
            payload: { ...ev, evidenceId, wearer: this.wearerOf(ev.cam) },
          };
        }
        break;
      case 'dock.verified':
        this.finish(live, `${ev.cam}/${ev.fileNo}`, 'verified', ev.size);
        return; // journaled by commitCustody, before ERASE_OK
      case 'dock.mismatch':
        this.finish(live, `${ev.cam}/${ev.fileNo}`, 'quarantined');
        input = { source, type: 'evidence.hash-mismatch', subject: `bodycam:${ev.cam}`, ref: ev.offered, payload: ev };
        break;
      case 'dock.malformed':
        this.metrics?.dockMalformed.inc({ kind: ev.repeat ? 'HELLO-repeat' : noiseKind(ev.reason) });
        // A dock retrying the same bad HELLO is on the record once; noise: the first of a kind, then summaries.
        if (!ev.repeat) this.noise.add(ev.dockId, ev.reason, ev.rawHex);
        return;
    }
    this.journal.append(input).catch((err: unknown) => this.log.error({ err, type: ev.type }, 'could not journal dock event'));
  }

  /** Transfers still receiving when the camera left or the link dropped keep their durable offset. */
  private settle(live: DockLive, which: (t: DockTransfer) => boolean, state: 'undocked' | 'interrupted'): void {
    for (const t of Object.values(live.transfers)) if (t.state === 'receiving' && which(t)) Object.assign(t, { state, updatedAt: new Date().toISOString() });
  }

  private finish(live: DockLive | undefined, key: string, state: 'verified' | 'quarantined', size?: number): void {
    const t = live?.transfers[key];
    if (t) Object.assign(t, { state, updatedAt: new Date().toISOString() }, size === undefined ? {} : { offset: size });
  }

  private journalNoise(s: NoiseSummary): void {
    this.journalNoiseWrite(this.appendNoise(s));
  }

  /** Tracked until written, so stop() waits for every noise record. */
  private journalNoiseWrite(append: Promise<unknown>): void {
    const write = append.then(() => undefined).catch((err: unknown) => this.log.error({ err }, 'could not journal dock noise'));
    this.noiseWrites.add(write);
    void write.finally(() => this.noiseWrites.delete(write));
  }

  private async appendNoise(s: NoiseSummary): Promise<void> {
    const kinds = Object.entries(s.byKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    await this.journal.append({
      source: `dock:${s.dockId}`,
      type: 'quarantine.message',
      subject: `dock:${s.dockId}`,
      payload: {
        topic: null,
        dockId: s.dockId,
        kind: 'dock',
        reason: `${s.count} undecodable or malformed packet(s) from ${s.dockId} (${kinds})`,
        rawHex: s.samples[0]?.rawHex ?? '',
        count: s.count,
        byKind: s.byKind,
        samples: s.samples,
        from: s.from,
        to: s.to,
      },
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
    this.sessions.clear();
    this.noise.flushAll();
    await Promise.all([...this.noiseWrites]);
    await this.store.close();
  }
}
