import type { Logger } from 'pino';
import { ulid } from 'ulid';
import type { Config } from '../../config/schema';
import type { MqttPublisher } from '../broker/broker';
import { systemClock, type Clock, type Timer } from '../clock';
import { topicFor } from '../contract/topics';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import { sdsTextProblem } from '../../devices/radio/pei/encode';
import type { PeiBridge } from './pei-bridge';

export interface AlertRequest {
  text: string;
  priority: 'normal' | 'urgent' | 'emergency';
  talkgroups: string[];
  units: string[];
  /** `text`: a message to one unit's conversation; it travels and is confirmed as an alert does. */
  kind?: 'alert' | 'text';
}

export interface AlertServiceOptions {
  config: Config;
  projections: Projections;
  journal: Journal;
  broker: MqttPublisher;
  pei: PeiBridge;
  log: Logger;
  clock?: Clock;
}

/**
 * Sends a controller's alert to talkgroups and units over every bearer (MQTT downlinks and
 * TETRA SDS through the control stations), and closes the wait on recipients that never
 * confirm. Deliveries themselves come back as `radio.receipt` events.
 */
export class AlertService {
  private readonly timers = new Map<string, Timer>();
  private readonly config: Config;
  private readonly projections: Projections;
  private readonly journal: Journal;
  private readonly broker: MqttPublisher;
  private readonly pei: PeiBridge;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(opts: AlertServiceOptions) {
    this.config = opts.config;
    this.projections = opts.projections;
    this.journal = opts.journal;
    this.broker = opts.broker;
    this.pei = opts.pei;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
  }

  /** Recipients: every unit in the talkgroups, plus the units named. */
  recipients(req: AlertRequest): Array<{ unitId: string; issi: number }> {
    const chosen = new Map<string, number>();
    for (const u of this.config.units) {
      if (req.units.includes(u.id) || u.talkgroups.some((t) => req.talkgroups.includes(t))) chosen.set(u.id, u.issi);
    }
    return [...chosen].map(([unitId, issi]) => ({ unitId, issi }));
  }

  /**
   * Recipients that get the alert as an individual SDS: units configured with a TETRA radio
   * (bearer tetra or both), heard or not, and any unit last heard through a control station.
   */
  viaTetra(recipients: Array<{ unitId: string; issi: number }>): Array<{ unitId: string; issi: number }> {
    return recipients.filter((r) => {
      const bearer = this.config.units.find((u) => u.id === r.unitId)?.bearer;
      return bearer === 'tetra' || bearer === 'both' || this.projections.units.unitByIssi(r.issi)?.bearer === 'pei';
    });
  }

  /**
   * Why the text cannot go as one SDS to the TETRA recipients of `req`, or null. The API refuses
   * such an alert up front (400) rather than have the radios' share silently fail.
   */
  sdsTooLong(req: AlertRequest): string | null {
    if (this.viaTetra(this.recipients(req)).length === 0) return null;
    return sdsTextProblem(req.text);
  }

  /**
   * How long recipients have to confirm: the configured wait, plus the time the control
   * station needs to send one SDS after another (measured, not assumed).
   */
  timeoutMs(tetraRecipients: number): number {
    return this.config.radio.alertTimeoutSeconds * 1000 + tetraRecipients * this.pei.sendEstimateMs;
  }

  async send(req: AlertRequest, actor: string): Promise<string> {
    const alertId = ulid();
    const recipients = this.recipients(req);
    const tetra = this.viaTetra(recipients);
    const timeoutMs = this.timeoutMs(tetra.length);
    await this.journal.append({
      source: 'api',
      type: 'alert.sent',
      actor,
      ref: alertId,
      payload: {
        alertId,
        text: req.text,
        priority: req.priority,
        talkgroups: req.talkgroups,
        units: req.units,
        recipients,
        timeoutMs,
        kind: req.kind ?? 'alert',
      },
    });
    const downlink = { msgId: alertId, kind: req.kind ?? 'alert', priority: req.priority, from: actor, text: req.text, ackRequested: true };
    const gssis = this.config.talkgroups.filter((t) => req.talkgroups.includes(t.id)).map((t) => t.gssi);
    const direct = this.config.units.filter((u) => req.units.includes(u.id)).map((u) => u.issi);
    const sends: Array<Promise<unknown>> = [
      ...gssis.map((gssi) => this.broker.publish(topicFor('talkgroup.downlink', { gssi }), downlink)),
      ...direct.map((issi) => this.broker.publish(topicFor('radio.downlink', { issi }), downlink)),
    ];
    for (const r of await Promise.allSettled(sends)) {
      if (r.status === 'rejected') this.log.warn({ err: r.reason as unknown, alertId }, 'alert not sent on one bearer');
    }
    this.scheduleTimeout(alertId, this.clock.now(), timeoutMs);
    // TETRA group SDS carries no per-radio delivery report, so TETRA radios get the alert
    // individually, in the background: the API answers at once and each outcome is journaled.
    void this.sendByPei(tetra, req.text, alertId);
    return alertId;
  }

  /** One SDS at a time: a control station handles one AT+CMGS exchange at once. */
  private async sendByPei(recipients: Array<{ unitId: string; issi: number }>, text: string, alertId: string): Promise<void> {
    for (const r of recipients) {
      // sendText journals its own outcome and never throws; this catch is for the impossible.
      await this.pei.sendText(r.issi, text, alertId, r.unitId).catch((err: unknown) => this.log.error({ err, issi: r.issi, alertId }, 'SDS alert not sent'));
    }
  }

  /** After a restart, alerts still waiting get their timeout back (from their send time). */
  resume(): void {
    for (const a of this.projections.alerts.pending()) this.scheduleTimeout(a.id, a.sentAt, a.timeoutMs ?? this.timeoutMs(0));
  }

  private scheduleTimeout(alertId: string, sentAt: number, timeoutMs: number): void {
    const wait = Math.max(0, sentAt + timeoutMs - this.clock.now());
    this.timers.set(
      alertId,
      this.clock.setTimeout(() => this.expire(alertId), wait),
    );
  }

  private async expire(alertId: string): Promise<void> {
    this.timers.delete(alertId);
    // SDS still held for a dead link fail with that reason first; the rest simply never confirmed.
    await this.pei.expire(alertId);
    await this.journal.flush().catch(() => undefined);
    const alert = this.projections.alerts.get(alertId);
    const waiting = alert?.recipients.filter((r) => r.status === 'pending').map((r) => r.unitId) ?? [];
    if (waiting.length === 0) return;
    await this.journal
      .append({ source: 'gateway', type: 'alert.timed-out', ref: alertId, payload: { alertId, unitIds: waiting } })
      .catch((err: unknown) => this.log.error({ err, alertId }, 'could not journal alert timeout'));
  }

  stop(): void {
    for (const t of this.timers.values()) t.clear();
    this.timers.clear();
  }
}
