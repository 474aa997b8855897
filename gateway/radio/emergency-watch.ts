import type { Logger } from 'pino';
import { ulid } from 'ulid';
import type { Config } from '../../config/schema';
import { systemClock, type Clock, type Timer } from '../clock';
import { isEvent } from '../contract/events';
import type { EmergencyNotice } from '../contract/socket';
import type { Journal } from '../journal/journal';
import type { AppendInput, DerivedInput, JournalEvent } from '../journal/types';
import type { Projections } from '../projections';

/** What in a radio event (committed, or being appended) means "emergency", or null. Pure. */
export function emergencyTrigger(e: AppendInput | JournalEvent, config: Config): string | null {
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
  /**
   * Told of each emergency as it is decided, before its commit, and again if the commit does
   * not make it an emergency on record (refused, or a resend's): the consoles' alarm.
   */
  onRaising?: (notice: EmergencyNotice) => void;
}

/**
 * Opens an emergency when a unit's radio signals one, attaches repeat presses to the open one,
 * and re-alerts the control room while nobody has acknowledged it. Each decision is journaled
 * (`emergency.raised`, `.repeat`, `.realert`), so replay shows exactly what controllers saw.
 *
 * A press is decided as it is appended, and its `emergency.raised` (or `.repeat`) is committed
 * in the same transaction, right after it (Journal.derive): the console hears of the emergency
 * one commit after the press arrives, not two. Deciding before the commit, the watch counts
 * what is appended and not yet committed: an emergency being raised is open, one being resolved
 * is not. The journal's urgent lane commits these in the order they were appended.
 *
 * The control room does not wait for that commit to hear of a new emergency: `onRaising` tells
 * the consoles as the press is decided (`emergency:raising`, "recording"), and once more should
 * the commit not put it on record ("unrecorded" when the journal refused it, "withdrawn" when the
 * press was a resend of one already journaled, whose derived events the writer skips).
 */
export class EmergencyWatch {
  private timer: Timer | null = null;
  private unwatch: (() => void) | null = null;
  /** Emergencies appended and not yet committed (or refused), by unit. */
  private readonly raising = new Map<string, string>();
  /** Emergencies whose `emergency.resolved` is appended and not yet committed (or refused). */
  private readonly resolving = new Set<string>();
  private readonly config: Config;
  private readonly projections: Projections;
  private readonly journal: Journal;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly onRaising: ((notice: EmergencyNotice) => void) | undefined;

  constructor(opts: EmergencyWatchOptions) {
    this.config = opts.config;
    this.projections = opts.projections;
    this.journal = opts.journal;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.onRaising = opts.onRaising;
  }

  /** Decides on each append from now on; once the projections hold the journal (at start). */
  watchAppends(): void {
    this.unwatchAppends();
    this.unwatch = this.journal.derive((input, committed) => this.onAppend(input, committed));
  }

  unwatchAppends(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  start(): void {
    this.stop();
    this.timer = this.clock.setInterval(() => this.realert(), 1000);
  }

  stop(): void {
    this.timer?.clear();
    this.timer = null;
  }

  /** The events an append derives: an emergency raised, or a repeat press of the unit's open one. */
  private onAppend(input: AppendInput, committed: Promise<unknown>): DerivedInput<'emergency.raised' | 'emergency.repeat'>[] | undefined {
    // Every append passes here (each MQTT message): anything else is turned away on its type alone.
    if (input.type === 'emergency.resolved') {
      const { emergencyId } = input.payload;
      this.resolving.add(emergencyId);
      const done = (): void => void this.resolving.delete(emergencyId);
      committed.then(done, done);
      return undefined;
    }
    if (input.type !== 'radio.emergency' && input.type !== 'radio.status') return undefined;
    const trigger = emergencyTrigger(input, this.config);
    if (!trigger) return undefined;
    const issi = input.payload.issi;
    const unit = this.projections.units.unitByIssi(issi);
    if (!unit) return undefined;
    const header = { source: 'gateway', subject: `unit:${unit.id}` } as const;
    const open = this.openFor(unit.id);
    if (open) return [{ ...header, ref: open, type: 'emergency.repeat', payload: { emergencyId: open, unitId: unit.id, issi, trigger } }];
    const emergencyId = `em-${ulid()}`;
    this.raising.set(unit.id, emergencyId);
    const bearer = input.source.startsWith('pei:') ? 'pei' : 'mqtt';
    const notice = { emergencyId, unitId: unit.id, issi, trigger, bearer, raisedAt: this.clock.now() } as const;
    this.tell({ ...notice, state: 'recording' });
    const done = (): void => {
      if (this.raising.get(unit.id) === emergencyId) this.raising.delete(unit.id);
    };
    committed.then(
      () => {
        done();
        if (!this.projections.emergencies.get(emergencyId)) this.tell({ ...notice, state: 'withdrawn' });
      },
      (err: unknown) => {
        done();
        this.tell({ ...notice, state: 'unrecorded', reason: err instanceof Error ? err.message : String(err) });
      },
    );
    return [
      {
        ...header,
        ref: emergencyId,
        type: 'emergency.raised',
        payload: { emergencyId, unitId: unit.id, issi, trigger, callsign: unit.callsign, fix: unit.fix },
      },
    ];
  }

  /** A listener's failure must not cost the press its derived events (Journal.derive). */
  private tell(notice: EmergencyNotice): void {
    try {
      this.onRaising?.(notice);
    } catch (err) {
      this.log.error({ err, emergencyId: notice.emergencyId }, 'could not tell the consoles of an emergency being raised');
    }
  }

  /** The unit's open emergency, counting what is appended and not yet committed. */
  private openFor(unitId: string): string | undefined {
    const raising = this.raising.get(unitId);
    if (raising) return raising;
    const open = this.projections.emergencies.openFor(unitId);
    return open && !this.resolving.has(open.id) ? open.id : undefined;
  }

  /** Re-alerts each open emergency nobody has acknowledged for `emergencyRealertSeconds`. */
  private async realert(now = this.clock.now()): Promise<void> {
    const everyMs = this.config.radio.emergencyRealertSeconds * 1000;
    for (const em of this.projections.emergencies.open()) {
      if (em.state !== 'open' || now - em.lastAlertAt < everyMs) continue;
      await this.journal
        .append({
          source: 'gateway',
          subject: `unit:${em.unitId}`,
          ref: em.id,
          type: 'emergency.realert',
          payload: { emergencyId: em.id, unitId: em.unitId, unacknowledgedMs: now - em.raisedAt },
        })
        .catch((err: unknown) => this.log.error({ err, emergencyId: em.id }, 'could not journal a re-alert'));
    }
  }
}
