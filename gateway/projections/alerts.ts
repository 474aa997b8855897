import type { AlertView } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { DeliveryStatus, AlertView } from '../contract/views';

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
    // An erased payload (retention) no longer says which alert it was about.
    if (e.payload === null) return;
    switch (e.type) {
      case 'alert.sent': {
        const p = e.payload;
        this.alerts.set(p.alertId, {
          id: p.alertId,
          text: p.text,
          priority: p.priority,
          sentBy: e.actor,
          sentAt: e.ts,
          talkgroups: p.talkgroups,
          kind: p.kind ?? 'alert',
          ...(p.timeoutMs !== undefined ? { timeoutMs: p.timeoutMs } : {}),
          recipients: p.recipients.map((r) => ({ ...r, status: 'pending', at: null, reason: null })),
        });
        break;
      }
      case 'alert.delivery': {
        // A send outcome from the gateway's side: failed (with the radio's reason) or queued.
        // Delivered or read: a concatenated alert whose parts all reported (the gateway settles those).
        const p = e.payload;
        const r = this.alerts.get(p.alertId)?.recipients.find((x) => x.unitId === p.unitId);
        if (!r || r.status === 'read') break;
        if (p.status === 'read' || (p.status === 'delivered' && r.status !== 'delivered')) Object.assign(r, { status: p.status, at: e.ts, reason: null });
        else if (r.status === 'delivered') break;
        else if (p.status === 'failed') Object.assign(r, { status: 'failed', at: e.ts, reason: p.reason });
        else if (r.status === 'pending') r.reason = p.reason;
        break;
      }
      case 'alert.pei-sent': {
        // A concatenated alert lists its parts: their reports settle it through alert.delivery, so a
        // part's recycled reference must not match an older alert here.
        const p = e.payload;
        if ('parts' in p) for (const ref of p.parts) this.byRef.delete(`${p.to}/${ref}`);
        else this.byRef.set(`${p.to}/${p.msgRef}`, p.alertId);
        break;
      }
      case 'alert.timed-out': {
        const alert = this.alerts.get(e.payload.alertId);
        for (const r of alert?.recipients ?? []) if (r.status === 'pending') Object.assign(r, { status: 'timed-out', at: e.ts });
        break;
      }
      case 'radio.receipt': {
        const p = e.payload;
        const alertId = 'msgId' in p && typeof p.msgId === 'string' ? p.msgId : 'msgRef' in p ? this.byRef.get(`${p.issi}/${String(p.msgRef)}`) : undefined;
        const r = alertId ? this.alerts.get(alertId)?.recipients.find((x) => x.issi === p.issi) : undefined;
        // A late receipt still counts: "timed out" means we stopped waiting, not that it failed.
        if (r && (r.status === 'pending' || r.status === 'timed-out' || (r.status === 'delivered' && p.status === 'read'))) {
          Object.assign(r, { status: p.status, at: e.ts, reason: 'reason' in p && typeof p.reason === 'string' ? p.reason : null });
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
