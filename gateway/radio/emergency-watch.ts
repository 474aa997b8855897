import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import { systemClock, type Clock, type Timer } from '../clock';
import { isEvent, type EventPayload } from '../contract/events';
import type { Journal } from '../journal/journal';
import type { JournalEvent } from '../journal/types';
import type { Projections } from '../projections';

/** What in a committed radio event means "emergency", or null. Pure. */
export function emergencyTrigger(e: JournalEvent, config: Config): string | null {
  if (isEvent(e, 'radio.emergency') && e.payload?.state === 'pressed') return 'button';
  if (isEvent(e, 'radio.status') && e.payload && config.radio.statusCodes[String(e.payload.value)]?.emergency) return 'status';
  return null;
}

export interface EmergencyWatchOptions {
  config: Config;
  projections: Projections;
  journal: Journal;
  log: Logger;
  clock?: Clock;
}
type EmergencyType = 'emergency.raised' | 'emergency.repeat' | 'emergency.realert';
/** One of the watch's decisions, typed by the catalogue. */
type EmergencyDecision = { [K in EmergencyType]: { type: K; payload: EventPayload<K> } }[EmergencyType];

/**
 * Opens an emergency when a unit's radio signals one, attaches repeat presses to the open one,
 * and re-alerts the control room while nobody has acknowledged it. Each decision is journaled
 * (`emergency.raised`, `.repeat`, `.realert`), so replay shows exactly what controllers saw.
 */
export class EmergencyWatch {
  private timer: Timer | null = null;
  /** Units whose `emergency.raised` is appended but not yet committed. */
  private readonly raising = new Set<string>();
  private readonly config: Config;
  private readonly projections: Projections;
  private readonly journal: Journal;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(opts: EmergencyWatchOptions) {
    this.config = opts.config;
    this.projections = opts.projections;
    this.journal = opts.journal;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    this.stop();
    this.timer = this.clock.setInterval(() => this.realert(), 1000);
  }

  stop(): void {
    this.timer?.clear();
    this.timer = null;
  }

  /** Called with each committed batch. */
  onCommitted(events: JournalEvent[]): void {
    for (const e of events) {
      const trigger = emergencyTrigger(e, this.config);
      // A trigger is only ever a radio emergency or status with its payload (not erased).
      if (!trigger || !isEvent(e, 'radio.emergency', 'radio.status') || !e.payload) continue;
      const issi = e.payload.issi;
      const unit = this.projections.units.unitByIssi(issi);
      if (!unit) continue;
      const open = this.projections.emergencies.openFor(unit.id);
      if (open || this.raising.has(unit.id)) {
        if (open) void this.append(unit.id, { type: 'emergency.repeat', payload: { emergencyId: open.id, unitId: unit.id, issi, trigger, causeSeq: e.seq } });
        continue;
      }
      this.raising.add(unit.id);
      const emergencyId = `em-${e.id}`;
      void this.append(unit.id, {
        type: 'emergency.raised',
        payload: { emergencyId, unitId: unit.id, issi, trigger, callsign: unit.callsign, fix: unit.fix, causeSeq: e.seq },
      }).finally(() => this.raising.delete(unit.id));
    }
  }

  private async realert(now = this.clock.now()): Promise<void> {
    const everyMs = this.config.radio.emergencyRealertSeconds * 1000;
    for (const em of this.projections.emergencies.open()) {
      if (em.state === 'open' && now - em.lastAlertAt >= everyMs) {
        await this.append(em.unitId, { type: 'emergency.realert', payload: { emergencyId: em.id, unitId: em.unitId, unacknowledgedMs: now - em.raisedAt } });
      }
    }
  }

  /** Journals a decision about the emergency (its `ref`). */
  private append(unitId: string, decision: EmergencyDecision): Promise<void> {
    return this.journal.append({ source: 'gateway', subject: `unit:${unitId}`, ref: decision.payload.emergencyId, ...decision }).then(
      () => undefined,
      (err: unknown) => this.log.error({ err, type: decision.type, unitId }, 'could not journal emergency'),
    );
  }
}
