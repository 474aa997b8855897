import type { Logger } from 'pino';
import { ulid } from 'ulid';
import type { Config } from '../../config/schema';
import type { MqttBroker } from '../broker/broker';
import { topicFor } from '../contract/topics';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import type { PeiBridge } from './pei-bridge';

export interface AlertRequest {
  text: string;
  priority: 'normal' | 'urgent' | 'emergency';
  talkgroups: string[];
  units: string[];
}

/**
 * Sends a controller's alert to talkgroups and units over every bearer (MQTT downlinks and
 * TETRA SDS through the control stations), and closes the wait on recipients that never
 * confirm. Deliveries themselves come back as `radio.receipt` events.
 */
export class AlertService {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly config: Config,
    private readonly projections: Projections,
    private readonly journal: Journal,
    private readonly broker: MqttBroker,
    private readonly pei: PeiBridge,
    private readonly log: Logger,
  ) {}

  /** Recipients: every unit in the talkgroups, plus the units named. */
  recipients(req: AlertRequest): Array<{ unitId: string; issi: number }> {
    const chosen = new Map<string, number>();
    for (const u of this.config.units) {
      if (req.units.includes(u.id) || u.talkgroups.some((t) => req.talkgroups.includes(t))) chosen.set(u.id, u.issi);
    }
    return [...chosen].map(([unitId, issi]) => ({ unitId, issi }));
  }

  async send(req: AlertRequest, actor: string): Promise<string> {
    const alertId = ulid();
    const recipients = this.recipients(req);
    await this.journal.append({
      source: 'api', type: 'alert.sent', actor, ref: alertId,
      payload: { alertId, text: req.text, priority: req.priority, talkgroups: req.talkgroups, units: req.units, recipients },
    });
    const downlink = { msgId: alertId, kind: 'alert', priority: req.priority, from: actor, text: req.text, ackRequested: true };
    const gssis = this.config.talkgroups.filter((t) => req.talkgroups.includes(t.id)).map((t) => t.gssi);
    const direct = this.config.units.filter((u) => req.units.includes(u.id)).map((u) => u.issi);
    // TETRA group SDS carries no per-radio delivery report, so radios last heard through a
    // control station get the alert individually; MQTT handsets confirm on their own.
    const viaPei = recipients.filter((r) => this.projections.units.unitByIssi(r.issi)?.bearer === 'pei').map((r) => r.issi);
    const sends: Array<Promise<unknown>> = [
      ...gssis.map((gssi) => this.broker.publish(topicFor('talkgroup.downlink', { gssi }), downlink)),
      ...direct.map((issi) => this.broker.publish(topicFor('radio.downlink', { issi }), downlink)),
      this.sendByPei(viaPei, req.text, alertId),
    ];
    for (const r of await Promise.allSettled(sends)) {
      if (r.status === 'rejected') this.log.warn({ err: r.reason as unknown, alertId }, 'alert not sent on one bearer');
    }
    this.scheduleTimeout(alertId, Date.now());
    return alertId;
  }

  /** One SDS at a time: a control station handles one AT+CMGS exchange at once. */
  private async sendByPei(issis: number[], text: string, alertId: string): Promise<void> {
    for (const issi of issis) {
      await this.pei.sendText(issi, text, alertId).catch((err: unknown) => this.log.warn({ err, issi, alertId }, 'SDS alert not sent'));
    }
  }

  /** After a restart, alerts still waiting get their timeout back (from their send time). */
  resume(): void {
    for (const a of this.projections.alerts.pending()) this.scheduleTimeout(a.id, a.sentAt);
  }

  private scheduleTimeout(alertId: string, sentAt: number): void {
    const wait = Math.max(0, sentAt + this.config.radio.alertTimeoutSeconds * 1000 - Date.now());
    const t = setTimeout(() => {
      this.timers.delete(alertId);
      const alert = this.projections.alerts.get(alertId);
      const waiting = alert?.recipients.filter((r) => r.status === 'pending').map((r) => r.unitId) ?? [];
      if (waiting.length === 0) return;
      this.journal.append({ source: 'gateway', type: 'alert.timed-out', ref: alertId, payload: { alertId, unitIds: waiting } })
        .catch((err: unknown) => this.log.error({ err, alertId }, 'could not journal alert timeout'));
    }, wait);
    t.unref();
    this.timers.set(alertId, t);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
