import { z } from 'zod';
import type { Principal } from '../auth/accounts';
import type { Conversation, ConversationMessage } from '../contract/messages';
import { Errors } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import type { AlertService } from '../radio/alerts';
import { parseInput, requirePermission } from './guard';

export const TextInput = z.strictObject({ text: z.string().trim().min(1).max(500) });
export const ReadInput = z.strictObject({ seq: z.number().int().nonnegative() });

export interface MessagesApiDeps {
  journal: Journal;
  projections: Projections;
  alerts: AlertService;
  unitIds: ReadonlySet<string>;
}

/**
 * Talking to one unit: its conversation (texts in, the control room's texts out with their
 * receipts), a reply, and the read mark. A reply goes the way an alert to one unit does (MQTT
 * downlink and TETRA SDS, receipts, timeout), journaled as `alert.sent` of kind `text` with
 * the sender; marking a conversation read is journaled with the reader.
 */
export class MessagesApi {
  constructor(private readonly deps: MessagesApiDeps) {}

  conversations(actor: Principal): Conversation[] {
    requirePermission(actor, 'message.view', 'read conversations with units');
    const outgoing = new Map<string, ConversationMessage[]>();
    for (const a of this.deps.projections.alerts.snapshot()) {
      if (a.kind !== 'text') continue;
      for (const r of a.recipients) {
        const list = outgoing.get(r.unitId) ?? [];
        list.push({ id: a.id, direction: 'out', text: a.text, at: a.sentAt, by: a.sentBy, seq: null, status: r.status, reason: r.reason ?? null });
        outgoing.set(r.unitId, list);
      }
    }
    return [...this.deps.unitIds].map((unitId) => this.conversation(unitId, outgoing.get(unitId) ?? []));
  }

  private conversation(unitId: string, outgoing: ConversationMessage[]): Conversation {
    const texts = this.deps.projections.texts.get(unitId);
    const incoming: ConversationMessage[] = texts.incoming.map((t) => ({
      id: String(t.seq),
      direction: 'in',
      text: t.text,
      at: t.at,
      by: null,
      seq: t.seq,
      status: null,
      reason: null,
    }));
    const readSeq = texts.read?.seq ?? 0;
    return {
      unitId,
      callsign: this.deps.projections.units.get(unitId)?.callsign ?? unitId,
      messages: [...incoming, ...outgoing].sort((a, b) => a.at - b.at),
      unread: texts.incoming.filter((t) => t.seq > readSeq).length,
      read: texts.read,
    };
  }

  async send(actor: Principal, unitId: string, input: unknown): Promise<{ id: string }> {
    const user = requirePermission(actor, 'message.send', 'send texts to units');
    const { text } = parseInput(TextInput, input);
    if (!this.deps.unitIds.has(unitId)) throw Errors.notFound(`unit ${unitId}`);
    const req = { text, priority: 'normal' as const, talkgroups: [], units: [unitId], kind: 'text' as const };
    // A TETRA radio takes one SDS: refuse up front rather than have it fail on the air.
    const tooLong = this.deps.alerts.sdsTooLong(req);
    if (tooLong) throw Errors.invalid([tooLong]);
    return { id: await this.deps.alerts.send(req, user) };
  }

  /** Marks the unit's conversation read up to an incoming text; a mark already past it changes nothing. */
  async markRead(actor: Principal, unitId: string, input: unknown): Promise<{ read: number }> {
    const user = requirePermission(actor, 'message.view', 'read conversations with units');
    const { seq } = parseInput(ReadInput, input);
    if (!this.deps.unitIds.has(unitId)) throw Errors.notFound(`unit ${unitId}`);
    const texts = this.deps.projections.texts.get(unitId);
    if (!texts.incoming.some((t) => t.seq === seq)) throw Errors.invalid([`seq: ${seq} is not a text from ${unitId}`]);
    if (texts.read && texts.read.seq >= seq) return { read: texts.read.seq };
    await this.deps.journal.append({ source: 'api', type: 'message.read', actor: user, subject: `unit:${unitId}`, payload: { unitId, seq } });
    return { read: seq };
  }
}
