/**
 * Bulletins and alerts from the control room to member premises, as `GET /api/bulletins` answers
 * and the console's streams carry them (gateway/projections/bulletins.ts builds them). Premises
 * and people are named as a person reads them; ids stay for the machines.
 */

/** `alert`: urgent, with a tone on the members' page; `bulletin`: information. */
export const BULLETIN_KINDS = ['bulletin', 'alert'] as const;
export type BulletinKind = (typeof BULLETIN_KINDS)[number];

/** Who a bulletin went to: every member premises, chosen premises, or the premises of chosen zones. */
export const AUDIENCE_KINDS = ['all', 'premises', 'zones'] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];

/** `sent`: nobody at the premises has seen it yet; `delivered`: a terminal or a member's page shows it; `read`: someone read it. */
export type BulletinStatus = 'sent' | 'delivered' | 'read';

export interface BulletinRecipient {
  premisesId: string;
  premisesName: string;
  status: BulletinStatus;
  deliveredAt: number | null;
  readAt: number | null;
  /** Who read it: a member's account, or the premises' shop terminal. */
  readBy: string | null;
  /** How it was read: on the members' page or on the shop terminal. */
  readVia: 'console' | 'terminal' | null;
}

export interface BulletinView {
  id: string;
  kind: BulletinKind;
  text: string;
  sentAt: number;
  sentBy: string | null;
  audience: { kind: AudienceKind; ids: string[] };
  /** The audience in words ("all member premises", "Market Square: 2 premises"…). */
  audienceText: string;
  recipients: BulletinRecipient[];
}

/** A bulletin as one member premises gets it: its own receipt only, never who else it went to. */
export interface InboxBulletin {
  id: string;
  kind: BulletinKind;
  text: string;
  sentAt: number;
  sentBy: string | null;
  status: BulletinStatus;
  readAt: number | null;
  readBy: string | null;
}
