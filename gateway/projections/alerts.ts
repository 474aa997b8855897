import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

export type DeliveryStatus = 'pending' | 'delivered' | 'read' | 'failed' | 'timed-out';

export interface AlertView {
  id: string;
  text: string;
  priority: string;
  sentBy: string | null;
  sentAt: number;
  talkgroups: string[];
  /** How long recipients had to confirm (scaled by the number of TETRA radios); absent on old alerts. */
  timeoutMs?: number;
  /** `reason`: why a send failed, or why it is still waiting (link down), in the radio's words. */
  recipients: Array<{ unitId: string; issi: number; status: DeliveryStatus; at: number | null; reason?: string | null }>;
}

type P = Record<string, unknown>;

/**
 * Alerts and each recipient's delivery. A receipt arrives by MQTT with the alert's id, or by
 * PEI with the SDS message reference the control station gave it (journaled as `alert.pei-sent`).
 */
export class AlertsProjection implements Projection<AlertView[]> {
  readonly name = 'alerts';
  private readonly alerts = new Map<string, AlertView>();
  /** SDS message reference → alert, per destination (refs are 8-bit and recycle). */
  private readonly byRef = new Map<string, string>();

  apply(e: JournalEvent): void {
    const p = e.payload as P;
    switch (e.type) {
      case 'alert.sent':
        this.alerts.set(p.alertId as string, {
          id: p.alertId as string,
          text: p.text as string,
          priority: p.priority as string,
          sentBy: e.actor,
          sentAt: e.ts,
          talkgroups: p.talkgroups as string[],
          ...(typeof p.timeoutMs === 'number' ? { timeoutMs: p.timeoutMs } : {}),
          recipients: (p.recipients as Array<{ unitId: string; issi: number }>).map((r) => ({ ...r, status: 'pending', at: null, reason: null })),
        });
        break;
      case 'alert.delivery': {
        // A send outcome from the gateway's side: failed (with the radio's reason) or queued.
        // Delivered or read: a concatenated alert whose parts all reported (the gateway settles those).
        const r = this.alerts.get(p.alertId as string)?.recipients.find((x) => x.unitId === p.unitId);
        if (!r || r.status === 'read') break;
        if (p.status === 'read' || (p.status === 'delivered' && r.status !== 'delivered')) Object.assign(r, { status: p.status, at: e.ts, reason: null });
        else if (r.status === 'delivered') break;
        else if (p.status === 'failed') Object.assign(r, { status: 'failed', at: e.ts, reason: p.reason as string });
        else if (r.status === 'pending') r.reason = p.reason as string;
        break;
      }
      case 'alert.pei-sent':
        // A concatenated alert lists its parts: their reports settle it through alert.delivery, so a
        // part's recycled reference must not match an older alert here.
        if (Array.isArray(p.parts)) for (const ref of p.parts as number[]) this.byRef.delete(`${p.to as number}/${ref}`);
        else this.byRef.set(`${p.to as number}/${p.msgRef as number}`, p.alertId as string);
        break;
      case 'alert.timed-out': {
        const alert = this.alerts.get(p.alertId as string);
        for (const r of alert?.recipients ?? []) if (r.status === 'pending') Object.assign(r, { status: 'timed-out', at: e.ts });
        break;
      }
      case 'radio.receipt': {
        const alertId = typeof p.msgId === 'string' ? p.msgId : this.byRef.get(`${p.issi as number}/${p.msgRef as number}`);
        const r = alertId ? this.alerts.get(alertId)?.recipients.find((x) => x.issi === p.issi) : undefined;
        // A late receipt still counts: "timed out" means we stopped waiting, not that it failed.
        if (r && (r.status === 'pending' || r.status === 'timed-out' || (r.status === 'delivered' && p.status === 'read'))) {
          Object.assign(r, { status: p.status as DeliveryStatus, at: e.ts, reason: typeof p.reason === 'string' ? p.reason : null });
        }
        break;
      }
    }
  }

  get(id: string): AlertView | undefined {
    return this.alerts.get(id);
  }

  /** Alerts still waiting on some recipient. */
  pending(): AlertView[] {
    return [...this.alerts.values()].filter((a) => a.recipients.some((r) => r.status === 'pending'));
  }

  snapshot(): AlertView[] {
    return [...this.alerts.values()].map((a) => ({ ...a, recipients: a.recipients.map((r) => ({ ...r })) }));
  }
}
