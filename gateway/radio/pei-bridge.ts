import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import { PeiAdapter, SendError } from '../../devices/radio/pei-adapter';
import type { RadioEvent } from '../../devices/radio/types';
import type { Journal } from '../journal/journal';
import type { AppendInput } from '../journal/types';
import type { Metrics, RadioStationStats } from '../metrics';
import { emergencyStatusValues } from './emergency-status';

/**
 * An alert sent as concatenated SDS: one delivery report per part. The radio has the alert once
 * every part is delivered (read once every part is), and has not if any part failed.
 */
interface Multipart {
  alertId: string;
  unitId: string;
  station: string;
  refs: number[];
  got: Map<number, 'delivered' | 'read'>;
  settled: 'delivered' | 'read' | 'failed' | null;
}

/** An SDS waiting for a control station's link to come back. */
interface Queued {
  to: number;
  text: string;
  alertId: string;
  unitId: string;
}

export interface PeiTiming {
  keepaliveIdleMs?: number;
  keepaliveTimeoutMs?: number;
}

export interface PeiBridgeOptions {
  config: Config;
  journal: Journal;
  log: Logger;
  /** Serial paths in the config are relative to this directory. */
  baseDir: string;
  /** Keepalive timings (tests shorten them). */
  timing?: PeiTiming;
  metrics?: Metrics;
}

/**
 * TETRA control stations (PEI over serial) into the journal. Their events take the same types
 * as MQTT handsets' (`radio.position`, `radio.status`…), so every view treats both alike; the
 * raw AT header and SDS PDU travel in the event, so any decode can be checked again.
 */
export class PeiBridge {
  private readonly adapters = new Map<string, PeiAdapter>();
  /** Alert SDS held while no station is up: sent on recovery, or failed when the alert expires. */
  private readonly queued: Queued[] = [];
  private flushing = false;
  /** Time one SDS send takes on the station, smoothed: what an alert's timeout must allow per radio. */
  private sendMs = 1000;
  /**
   * Sends whose `alert.pei-sent` is not yet appended, by destination. The radio's report can be
   * read in the same serial chunk as the MT's OK, before that append: it waits for it, or the
   * receipt would be journaled first and match no alert.
   */
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Concatenated alerts awaiting their parts' reports, by `<issi>/<part msgRef>`. */
  private readonly multipart = new Map<string, Multipart>();

  private readonly config: Config;
  private readonly journal: Journal;
  private readonly log: Logger;
  private readonly baseDir: string;
  private readonly timing: PeiTiming;
  private readonly metrics: Metrics | undefined;
  private readonly emergencyStatus: ReadonlySet<number>;

  constructor(opts: PeiBridgeOptions) {
    this.config = opts.config;
    this.journal = opts.journal;
    this.log = opts.log;
    this.baseDir = opts.baseDir;
    this.timing = opts.timing ?? {};
    this.metrics = opts.metrics;
    this.emergencyStatus = emergencyStatusValues(opts.config);
    if (opts.metrics) opts.metrics.radioStations = () => this.monitoring();
  }

  /** Link state, last heard and counters per station: for /metrics and /readyz. */
  monitoring(): RadioStationStats[] {
    return [...this.adapters].map(([id, a]) => ({ id, linkUp: a.linkUp, ...a.stats }));
  }

  async start(): Promise<void> {
    for (const station of this.config.radio.controlStations) {
      const talkgroups = station.talkgroups.map((id) => this.config.talkgroups.find((t) => t.id === id)?.gssi).filter((g) => g !== undefined);
      const adapter = new PeiAdapter({
        path: resolve(this.baseDir, station.serialPath),
        baudRate: station.baudRate,
        logger: this.log,
        ...this.timing,
        optionalCommands: station.optionalCommands,
        talkgroups,
        issiRanges: station.issiRanges,
      });
      adapter.on('event', (ev) => this.record(station.id, ev));
      this.adapters.set(station.id, adapter);
      await adapter.start();
    }
  }

  get sendEstimateMs(): number {
    return Math.round(this.sendMs);
  }

  get stations(): Array<{ id: string; linkUp: boolean }> {
    return [...this.adapters].map(([id, a]) => ({ id, linkUp: a.linkUp }));
  }

  /**
   * Sends an alert by SDS on the first control station whose link is up. Every outcome is
   * journaled at once: `alert.pei-sent` with the SDS message reference (so the delivery report
   * can be matched), or `alert.delivery` failed with the radio's reason, or queued while no
   * station is up. Never throws.
   */
  async sendText(to: number, text: string, alertId: string, unitId = this.unitIdOf(to)): Promise<void> {
    if (this.adapters.size === 0) return this.delivery(alertId, unitId, to, 'failed', 'no TETRA control station configured');
    const entry = [...this.adapters].find(([, a]) => a.linkUp);
    if (!entry) return this.enqueue({ to, text, alertId, unitId });
    const [station, adapter] = entry;
    let done = (): void => undefined;
    const gate = new Promise<void>((resolve) => (done = resolve));
    this.inFlight.set(to, gate);
    try {
      await this.sendOn(station, adapter, to, text, alertId, unitId);
    } finally {
      if (this.inFlight.get(to) === gate) this.inFlight.delete(to);
      done();
    }
  }

  private async sendOn(station: string, adapter: PeiAdapter, to: number, text: string, alertId: string, unitId: string): Promise<void> {
    const t0 = Date.now();
    try {
      const { msgRef, parts } = await adapter.sendText(to, text, { requestReport: true });
      this.sendMs = 0.8 * this.sendMs + 0.2 * ((Date.now() - t0) / parts.length);
      if (parts.length === 1) {
        await this.journal.append({ source: `pei:${station}`, type: 'alert.pei-sent', ref: alertId, payload: { alertId, station, to, msgRef } });
        return;
      }
      // No single reference stands for the alert: its outcome is journaled as alert.delivery once the parts' reports say.
      const m: Multipart = { alertId, unitId, station, refs: parts, got: new Map(), settled: null };
      for (const ref of parts) this.multipart.set(`${to}/${ref}`, m);
      if (this.multipart.size > 4096) this.multipart.delete(this.multipart.keys().next().value!);
      await this.journal.append({ source: `pei:${station}`, type: 'alert.pei-sent', ref: alertId, payload: { alertId, station, to, parts } });
    } catch (err) {
      if (err instanceof SendError && err.linkDown) return this.enqueue({ to, text, alertId, unitId });
      const reason = err instanceof SendError ? err.reason : `internal error: ${err instanceof Error ? err.message : String(err)}`;
      await this.delivery(alertId, unitId, to, 'failed', reason, station);
    }
  }

  private unitIdOf(issi: number): string {
    return this.config.units.find((u) => u.issi === issi)?.id ?? `issi-${issi}`;
  }

  /** The alert's wait is over: anything still queued for it failed because the link stayed down. */
  async expire(alertId: string): Promise<void> {
    const dropped = this.queued.filter((q) => q.alertId === alertId);
    this.queued.splice(0, this.queued.length, ...this.queued.filter((q) => q.alertId !== alertId));
    for (const q of dropped) await this.delivery(q.alertId, q.unitId, q.to, 'failed', 'radio link down until the alert expired: never sent');
  }

  private async enqueue(q: Queued): Promise<void> {
    this.queued.push(q);
    await this.delivery(q.alertId, q.unitId, q.to, 'queued', 'radio link down: will be sent when it is back');
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    void (async () => {
      try {
        while (this.queued.length > 0 && [...this.adapters.values()].some((a) => a.linkUp)) {
          const q = this.queued.shift()!;
          await this.sendText(q.to, q.text, q.alertId, q.unitId);
        }
      } finally {
        this.flushing = false;
      }
    })();
  }

  /** A part's report: settle the whole concatenated alert once the parts say so. */
  private onPartReceipt(ev: Extract<RadioEvent, { type: 'radio.receipt' }>): void {
    const m = this.multipart.get(`${ev.issi}/${ev.msgRef}`);
    if (!m || m.settled === 'failed' || m.settled === 'read') return;
    const n = m.refs.length;
    const settle = (status: 'delivered' | 'read' | 'failed', reason: string): void => {
      m.settled = status;
      if (status !== 'delivered') for (const ref of m.refs) this.multipart.delete(`${ev.issi}/${ref}`);
      void this.delivery(m.alertId, m.unitId, ev.issi, status, reason, m.station);
    };
    if (ev.status === 'failed') return settle('failed', `part ${m.refs.indexOf(ev.msgRef) + 1} of ${n} failed${ev.reason ? `: ${ev.reason}` : ''}`);
    if (m.got.get(ev.msgRef) !== 'read') m.got.set(ev.msgRef, ev.status);
    if (m.got.size < n) return;
    const allRead = [...m.got.values()].every((s) => s === 'read');
    if (allRead) settle('read', `all ${n} parts read`);
    else if (m.settled === null) settle('delivered', `all ${n} parts delivered`);
  }

  private async delivery(
    alertId: string,
    unitId: string,
    issi: number,
    status: 'failed' | 'queued' | 'delivered' | 'read',
    reason: string,
    station?: string,
  ): Promise<void> {
    try {
      await this.journal.append({
        source: station ? `pei:${station}` : 'gateway',
        type: 'alert.delivery',
        subject: `unit:${unitId}`,
        ref: alertId,
        payload: { alertId, unitId, issi, status, reason },
      });
    } catch (err) {
      this.log.error({ err, alertId, unitId }, 'could not journal an alert delivery outcome');
    }
  }

  private record(station: string, ev: RadioEvent): void {
    const source = `pei:${station}`;
    if (ev.type === 'radio.link' && ev.state === 'up') this.flush();
    const held = ev.type === 'radio.receipt' ? this.inFlight.get(ev.issi) : undefined;
    if (held) {
      void held.then(() => this.record(station, ev));
      return;
    }
    const append = (() => {
      switch (ev.type) {
        case 'radio.link':
          return this.journal.append({ source, type: 'radio.link', subject: `station:${station}`, payload: { station, state: ev.state, reason: ev.reason } });
        case 'radio.malformed':
          this.metrics?.quarantined.inc({ reason: 'pei' });
          return this.journal.append({
            source,
            type: 'quarantine.message',
            subject: `station:${station}`,
            payload: { topic: null, station, kind: 'pei', reason: ev.reason, raw: ev.raw },
          });
        default: {
          const { type, ...payload } = ev;
          // The part's own report is journaled as it came; the alert's outcome follows from all parts.
          if (ev.type === 'radio.receipt') this.onPartReceipt(ev);
          const urgent = ev.type === 'radio.status' && this.emergencyStatus.has(ev.value);
          // Narrow cast: TypeScript does not carry `type` to `payload` through the destructuring; a
          // PEI event without its `type` is that type's catalogue payload (contract/events.ts `R.Pei*`).
          return this.journal.append({ source, type, subject: `radio:${ev.issi}`, payload, ...(urgent ? { urgent } : {}) } as AppendInput<typeof type>);
        }
      }
    })();
    append.catch((err: unknown) => this.log.error({ err, station, type: ev.type }, 'could not journal PEI event'));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.adapters.values()].map((a) => a.stop()));
    this.adapters.clear();
  }
}
