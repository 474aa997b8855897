import type { Logger } from 'pino';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { Config } from '../../config/schema';
import { parseInput, requirePermission } from '../api/guard';
import type { Principal } from '../auth/accounts';
import type { MqttPublisher } from '../broker/broker';
import { AUDIENCE_KINDS, BULLETIN_KINDS, type BulletinView, type InboxBulletin } from '../contract/bulletins';
import { actingRole, can } from '../contract/policy';
import { topicFor } from '../contract/topics';
import { ApiError, Errors } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import { inboxView } from '../projections/bulletins';

export const BulletinInput = z.strictObject({
  kind: z.enum(BULLETIN_KINDS).default('bulletin'),
  text: z.string().trim().min(1).max(1000),
  audience: z.strictObject({
    kind: z.enum(AUDIENCE_KINDS),
    /** Premises ids (`premises`) or zone ids (`zones`); none for `all`. */
    ids: z.array(z.string().min(1).max(64)).max(500).default([]),
  }),
  /** A bulletin to more than one premises must be confirmed: the console asks, and the API insists. */
  confirmed: z.boolean().default(false),
});
export type BulletinInput = z.input<typeof BulletinInput>;

export const ReceiptInput = z.strictObject({ status: z.enum(['delivered', 'read']) });

export interface BulletinsApiDeps {
  config: Config;
  journal: Journal;
  projections: Projections;
  broker: MqttPublisher;
  log: Logger;
}

/**
 * Bulletins and alerts from the control room to member premises. Sending journals
 * `bulletin.sent` with its sender, then publishes it on each premises' shop terminal downlink
 * (`tw/v1/shop/{premisesId}/down`); the members' pages get it from the console socket. A member
 * sees only what went to their own premises, and their page's "delivered" and their "read" are
 * journaled with them as actor; a terminal's receipts come over MQTT (`shop.receipt`).
 */
export class BulletinsApi {
  constructor(private readonly deps: BulletinsApiDeps) {}

  /** The premises an audience names, or the reasons it names none that exist. */
  private resolve(audience: z.infer<typeof BulletinInput>['audience']): string[] {
    const { premises, zones } = this.deps.config;
    if (audience.kind === 'all') return premises.map((p) => p.id);
    if (audience.ids.length === 0) throw Errors.invalid([`audience.ids: choose at least one ${audience.kind === 'zones' ? 'zone' : 'premises'}`]);
    if (audience.kind === 'premises') {
      const unknown = audience.ids.filter((id) => !premises.some((p) => p.id === id));
      if (unknown.length) throw Errors.invalid(unknown.map((id) => `audience.ids: unknown premises "${id}"`));
      return premises.filter((p) => audience.ids.includes(p.id)).map((p) => p.id);
    }
    const unknown = audience.ids.filter((id) => !zones.some((z) => z.id === id));
    if (unknown.length) throw Errors.invalid(unknown.map((id) => `audience.ids: unknown zone "${id}"`));
    const chosen = premises.filter((p) => audience.ids.includes(p.zone)).map((p) => p.id);
    if (chosen.length === 0) throw Errors.invalid(['audience.ids: no member premises in these zones']);
    return chosen;
  }

  async send(actor: Principal, input: unknown): Promise<BulletinView> {
    const user = requirePermission(actor, 'bulletin.send', 'send bulletins to member premises');
    const req = parseInput(BulletinInput, input);
    const premises = this.resolve(req.audience);
    if (premises.length > 1 && !req.confirmed) {
      throw new ApiError('TW_CONFIRM', `this bulletin goes to ${premises.length} premises: send it again with "confirmed": true`, 409);
    }
    const bulletinId = ulid();
    const audience = { kind: req.audience.kind, ids: req.audience.kind === 'all' ? [] : [...new Set(req.audience.ids)] };
    await this.deps.journal.append({
      source: 'api',
      type: 'bulletin.sent',
      actor: user,
      ref: bulletinId,
      payload: { bulletinId, kind: req.kind, text: req.text, audience, premises },
    });
    const sent = this.deps.projections.bulletins.get(bulletinId);
    const downlink = {
      msgId: bulletinId,
      kind: req.kind,
      from: user,
      text: req.text,
      sentAt: new Date(sent?.sentAt ?? Date.now()).toISOString(),
      ackRequested: true,
    };
    // Journaled first: a terminal's receipt always finds the bulletin it names.
    const results = await Promise.allSettled(premises.map((premisesId) => this.deps.broker.publish(topicFor('shop.downlink', { premisesId }), downlink)));
    results.forEach((r, i) => {
      if (r.status === 'rejected')
        this.deps.log.warn({ err: r.reason as unknown, bulletinId, premisesId: premises[i] }, 'bulletin not published to a shop terminal');
    });
    return sent ?? this.get(actor, bulletinId);
  }

  private get(actor: Principal, id: string): BulletinView {
    requirePermission(actor, 'bulletin.view', 'see bulletins');
    const b = this.deps.projections.bulletins.get(id);
    if (!b) throw Errors.notFound(`bulletin ${id}`);
    return b;
  }

  /** Everything sent, with each premises' receipts (controllers, police); a member: their own premises' only. */
  list(actor: Principal): BulletinView[] | InboxBulletin[] {
    const role = actingRole(actor);
    if (can(role, 'bulletin.view')) return this.deps.projections.bulletins.snapshot();
    requirePermission(actor, 'bulletin.receive', 'see bulletins');
    return actor.premisesId ? this.deps.projections.bulletins.inbox(actor.premisesId) : [];
  }

  /**
   * A member's page showed a bulletin to their premises (`delivered`) or they read it. Only for a
   * bulletin sent to their own premises (another's answers "not found", as if it did not exist);
   * a receipt that moves nothing forward is not journaled again.
   */
  async receipt(actor: Principal, id: string, input: unknown): Promise<InboxBulletin> {
    const user = requirePermission(actor, 'bulletin.receive', 'mark bulletins read');
    const { status } = parseInput(ReceiptInput, input);
    const premisesId = actor.premisesId;
    const b = premisesId ? this.deps.projections.bulletins.get(id) : undefined;
    const mine = b?.recipients.find((r) => r.premisesId === premisesId);
    if (!b || !mine || !premisesId) throw Errors.notFound(`bulletin ${id}`);
    if (mine.status === 'read' || mine.status === status) return inboxView(b, mine);
    await this.deps.journal.append({
      source: 'api',
      type: 'bulletin.receipt',
      actor: user,
      subject: `premises:${premisesId}`,
      ref: id,
      payload: { bulletinId: id, premisesId, status },
    });
    const now = this.deps.projections.bulletins.get(id)!;
    return inboxView(
      now,
      now.recipients.find((r) => r.premisesId === premisesId)!,
    );
  }
}
