import { z } from 'zod';
import type { Principal } from '../auth/accounts';
import { ApiError, Errors } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import type { AlertView } from '../projections/alerts';
import type { EmergencyView } from '../projections/emergencies';
import type { AlertService } from '../radio/alerts';
import type { BulletinsApi } from '../members/bulletins-api';
import type { CctvApi } from './cctv-api';
import type { EvidenceApi } from './evidence-api';
import type { TrackingApi } from './tracking-api';
import { parseInput, requirePermission } from './guard';
import { MessagesApi } from './messages-api';

/**
 * The one application API. REST routes and Socket.IO commands only build `(actor, input)` and
 * call it; it checks the actor's role and journals every human action with that actor. No
 * transport has logic of its own.
 */
export const AlertInput = z.strictObject({
  text: z.string().trim().min(1).max(500),
  priority: z.enum(['normal', 'urgent', 'emergency']).default('urgent'),
  talkgroups: z.array(z.string()).default([]),
  units: z.array(z.string()).default([]),
});
export type AlertInput = z.input<typeof AlertInput>;

/** Resolving an emergency needs a note as well as the outcome: what it was, for the record. */
export const ResolveInput = z.strictObject({
  outcome: z.enum(['genuine', 'false']),
  note: z.string({ error: 'a note is required to resolve an emergency' }).trim().min(1, 'a note is required to resolve an emergency').max(1000),
});

export interface AppApiDeps {
  journal: Journal;
  projections: Projections;
  alerts: AlertService;
  evidence: EvidenceApi;
  tracking: TrackingApi;
  cctv: CctvApi;
  bulletins: BulletinsApi;
  talkgroupIds: ReadonlySet<string>;
  unitIds: ReadonlySet<string>;
}

export class AppApi {
  /** Body-worn footage: views, custody, marking, holds and bundles. */
  readonly evidence: EvidenceApi;
  /** Reports, sightings, the gallery and orders, tracks, breaches, incidents and dispatch, exports, time travel. */
  readonly tracking: TrackingApi;
  /** Cameras: the register, live views (each journaled), operators' sightings, bookmarks and faults. */
  readonly cctv: CctvApi;
  /** Conversations with units: texts in and out, receipts, read marks. */
  readonly messages: MessagesApi;
  /** Bulletins to member premises: send, the members' inbox, receipts. */
  readonly bulletins: BulletinsApi;

  constructor(private readonly deps: AppApiDeps) {
    this.messages = new MessagesApi(deps);
    this.evidence = deps.evidence;
    this.tracking = deps.tracking;
    this.cctv = deps.cctv;
    this.bulletins = deps.bulletins;
  }

  private parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
    return parseInput(schema, input);
  }

  listEmergencies(actor: Principal): EmergencyView[] {
    requirePermission(actor, 'emergency.view', 'see emergencies');
    return this.deps.projections.emergencies.snapshot();
  }

  async acknowledgeEmergency(actor: Principal, id: string): Promise<EmergencyView> {
    const user = requirePermission(actor, 'emergency.respond', 'acknowledge an emergency');
    const em = this.deps.projections.emergencies.get(id);
    if (!em) throw Errors.notFound(`emergency ${id}`);
    if (em.state !== 'open') throw new ApiError('TW_CONFLICT', `emergency is already ${em.state}${em.owner ? ` (owner ${em.owner})` : ''}`, 409);
    await this.deps.journal.append({
      source: 'api',
      type: 'emergency.acknowledged',
      actor: user,
      subject: `unit:${em.unitId}`,
      ref: id,
      payload: { emergencyId: id, unitId: em.unitId },
    });
    return { ...this.deps.projections.emergencies.get(id)! };
  }

  async resolveEmergency(actor: Principal, id: string, input: unknown): Promise<EmergencyView> {
    const user = requirePermission(actor, 'emergency.respond', 'resolve an emergency');
    const body = this.parse(ResolveInput, input);
    const em = this.deps.projections.emergencies.get(id);
    if (!em) throw Errors.notFound(`emergency ${id}`);
    if (em.state === 'resolved') throw new ApiError('TW_CONFLICT', 'emergency is already resolved', 409);
    if (em.state === 'open') throw new ApiError('TW_CONFLICT', 'acknowledge the emergency before resolving it', 409);
    await this.deps.journal.append({
      source: 'api',
      type: 'emergency.resolved',
      actor: user,
      subject: `unit:${em.unitId}`,
      ref: id,
      payload: { emergencyId: id, unitId: em.unitId, outcome: body.outcome, note: body.note ?? null },
    });
    return { ...this.deps.projections.emergencies.get(id)! };
  }

  async sendAlert(actor: Principal, input: unknown): Promise<AlertView> {
    const user = requirePermission(actor, 'alert.send', 'send radio alerts');
    const req = this.parse(AlertInput, input);
    const unknown = [...req.talkgroups.filter((t) => !this.deps.talkgroupIds.has(t)), ...req.units.filter((u) => !this.deps.unitIds.has(u))];
    if (unknown.length) throw Errors.invalid(unknown.map((x) => `recipients: unknown talkgroup or unit "${x}"`));
    if (req.talkgroups.length + req.units.length === 0) throw Errors.invalid(['recipients: name at least one talkgroup or unit']);
    const tooLong = this.deps.alerts.sdsTooLong(req);
    if (tooLong) throw Errors.invalid([tooLong]);
    const id = await this.deps.alerts.send(req, user);
    return this.getAlert(actor, id);
  }

  getAlert(actor: Principal, id: string): AlertView {
    requirePermission(actor, 'alert.view', 'see alerts');
    const alert = this.deps.projections.alerts.get(id);
    if (!alert) throw Errors.notFound(`alert ${id}`);
    return { ...alert, recipients: alert.recipients.map((r) => ({ ...r })) };
  }
}
