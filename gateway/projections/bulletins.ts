import type { Config } from '../../config/schema';
import type { BulletinRecipient, BulletinView, InboxBulletin } from '../contract/bulletins';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** Bulletins kept for the screens: the journal keeps them all. */
const KEEP = 500;

const RANK = { sent: 0, delivered: 1, read: 2 } as const;

/**
 * Bulletins from the control room to member premises and, per premises, whether it was
 * delivered (a shop terminal or a member's page showed it) and read, by whom and how. Built from
 * `bulletin.sent`, the members' `bulletin.receipt` and the terminals' `shop.receipt`; a receipt
 * only ever moves a premises forward (a late "delivered" never undoes a "read"), and one for a
 * bulletin its premises was not sent changes nothing.
 */
export class BulletinsProjection implements Projection<BulletinView[]> {
  readonly name = 'bulletins';
  private readonly bulletins = new Map<string, BulletinView>();
  private readonly changed = new Set<string>();
  private readonly premisesName: ReadonlyMap<string, string>;
  private readonly zoneName: ReadonlyMap<string, string>;

  constructor(config: Config) {
    this.premisesName = new Map(config.premises.map((p) => [p.id, p.name]));
    this.zoneName = new Map(config.zones.map((z) => [z.id, z.name]));
  }

  apply(e: JournalEvent): void {
    if (e.payload === null) return;
    if (e.type === 'bulletin.sent') {
      const p = e.payload;
      this.bulletins.set(p.bulletinId, {
        id: p.bulletinId,
        kind: p.kind,
        text: p.text,
        sentAt: e.ts,
        sentBy: e.actor,
        audience: { kind: p.audience.kind, ids: [...p.audience.ids] },
        audienceText: this.audienceText(p.audience.kind, p.audience.ids, p.premises.length),
        recipients: p.premises.map((id) => ({
          premisesId: id,
          premisesName: this.premisesName.get(id) ?? id,
          status: 'sent',
          deliveredAt: null,
          readAt: null,
          readBy: null,
          readVia: null,
        })),
      });
      this.changed.add(p.bulletinId);
      if (this.bulletins.size > KEEP) this.bulletins.delete(this.bulletins.keys().next().value!);
    } else if (e.type === 'bulletin.receipt') {
      this.receipt(e.payload.bulletinId, e.payload.premisesId, e.payload.status, e.ts, e.actor, 'console');
    } else if (e.type === 'shop.receipt') {
      this.receipt(e.payload.msgId, e.payload.premisesId, e.payload.status, e.ts, e.actor, 'terminal');
    }
  }

  private receipt(id: string, premisesId: string, status: 'delivered' | 'read', at: number, by: string | null, via: 'console' | 'terminal'): void {
    const r = this.bulletins.get(id)?.recipients.find((x) => x.premisesId === premisesId);
    if (!r || RANK[status] <= RANK[r.status]) return;
    r.status = status;
    r.deliveredAt ??= at;
    if (status === 'read') {
      r.readAt = at;
      r.readBy = by;
      r.readVia = via;
    }
    this.changed.add(id);
  }

  private audienceText(kind: BulletinView['audience']['kind'], ids: readonly string[], count: number): string {
    const n = `${count} ${count === 1 ? 'premises' : 'premises'}`;
    if (kind === 'all') return `all member premises (${n})`;
    if (kind === 'zones') return `${ids.map((z) => this.zoneName.get(z) ?? z).join(', ')} (${n})`;
    return ids.map((p) => this.premisesName.get(p) ?? p).join(', ');
  }

  get(id: string): BulletinView | undefined {
    const b = this.bulletins.get(id);
    return b ? structuredClone(b) : undefined;
  }

  /** Newest first. */
  snapshot(): BulletinView[] {
    return [...this.bulletins.values()].reverse().map((b) => structuredClone(b));
  }

  /** What one premises sees: the bulletins sent to it, its own receipt only. Newest first. */
  inbox(premisesId: string): InboxBulletin[] {
    return [...this.bulletins.values()].reverse().flatMap((b) => {
      const r = b.recipients.find((x) => x.premisesId === premisesId);
      return r ? [inboxView(b, r)] : [];
    });
  }

  /** Bulletins sent or changed since the last call. */
  takeChanged(): BulletinView[] {
    const out = [...this.changed].flatMap((id) => {
      const b = this.bulletins.get(id);
      return b ? [structuredClone(b)] : [];
    });
    this.changed.clear();
    return out;
  }
}

export function inboxView(b: BulletinView, r: BulletinRecipient): InboxBulletin {
  return { id: b.id, kind: b.kind, text: b.text, sentAt: b.sentAt, sentBy: b.sentBy, status: r.status, readAt: r.readAt, readBy: r.readBy };
}
