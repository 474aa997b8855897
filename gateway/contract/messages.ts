import type { DeliveryStatus } from './views';

/**
 * A conversation between the control room and one unit, as `GET /api/messages` answers it and
 * the console's Messages panel shows it. Incoming texts are the radio's own (`radio.text`, over
 * MQTT or TETRA SDS); outgoing ones are alerts of kind `text`, with the radio's receipts.
 */
export interface ConversationMessage {
  /** The journal seq of an incoming text; the alert id of an outgoing one. */
  id: string;
  direction: 'in' | 'out';
  text: string;
  at: number;
  /** Outgoing: who sent it. Incoming: null (the unit). */
  by: string | null;
  /** Incoming: its journal seq (what a read mark points at). */
  seq: number | null;
  /** Outgoing: delivered / read / failed… as the radio reported. */
  status: DeliveryStatus | null;
  reason: string | null;
}

export interface Conversation {
  unitId: string;
  callsign: string;
  /** Oldest first. */
  messages: ConversationMessage[];
  /** Incoming texts after the read mark. */
  unread: number;
  /** The read mark: the last incoming text someone read, who and when. */
  read: { seq: number; by: string | null; at: number } | null;
}
