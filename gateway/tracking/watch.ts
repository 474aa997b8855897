import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import { systemClock, type Clock, type Timer } from '../clock';
import type { Journal } from '../journal/journal';
import type { AppendInput, DistributiveOmit, JournalEvent } from '../journal/types';
import type { Projections } from '../projections';
import type { AlertService } from '../radio/alerts';
import { breachRadioText } from './breach-text';
import { breachReasons, isRepeat, type BreachMark } from './cbo';
import { buildGraph, type ZoneGraph } from './graph';
import { incidentFromBreach, incidentFromReport, type BreachDetected } from './incident';
import { checkMove, consistentZone, type MoveContext } from './plausible';
import { SIGHTING_SOURCES, sightingFrom } from './sightings';
import { coverageTable, endTrack, fuse, handover, predict, summary, type CameraCover, type Sighting } from './track';
import { judgeArrival } from './arrival';

const TICK_MS = 5000;

export interface TrackingWatchOptions {
  config: Config;
  projections: Projections;
  journal: Journal;
  alerts: Pick<AlertService, 'send'>;
  log: Logger;
  clock?: Clock;
}

/**
 * Turns committed reports into the tracking picture, and journals every decision so replay
 * shows exactly what the control room saw: `track.sighting` ({type: new|update, before,
 * after}, Frigate-style) for each shop report, CCTV or Frigate sighting, officer's report or
 * link; `breach.detected` and the incident it opens; `incident.on-scene` when a dispatched
 * unit arrives; `track.ended` and `cbo.expired` as time passes. Derivations run one at a
 * time, each seeing the previous one's result, so two reports of one subject never race.
 */
export class TrackingWatch {
  private queue: Promise<void> = Promise.resolve();
  private timer: Timer | null = null;
  private graph: ZoneGraph | null = null;
  private cameras = new Map<string, CameraCover[]>();
  /** Incidents whose arrival is appended but not yet committed. */
  private readonly arriving = new Set<string>();
  /** incident/unit → since when the unit's fixes have been near the incident (arrival by position). */
  private readonly holding = new Map<string, number>();
  /** Batches committed before start() are covered by its catch-up; after stop(), by the next start's. */
  private started = false;

  private readonly config: Config;
  private readonly projections: Projections;
  private readonly journal: Journal;
  private readonly alerts: Pick<AlertService, 'send'>;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(opts: TrackingWatchOptions) {
    this.config = opts.config;
    this.projections = opts.projections;
    this.journal = opts.journal;
    this.alerts = opts.alerts;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
  }

  /** Catches up on reports committed but not yet derived (a crash in between), then keeps time. */
  start(): void {
    this.graph = buildGraph(this.config.zones);
    this.cameras = coverageTable(this.config);
    // Only the report types, through the (type, seq) index: a start must not scan every position fix.
    const types = [...SIGHTING_SOURCES, 'sighting.linked'];
    for (const e of this.journal.reader.events({ types, afterSeq: this.projections.tracks.lastTrigger })) this.run(() => this.derive(e));
    this.timer?.clear();
    // The tick's promise goes back to the clock: a test clock awaits what the tick journals.
    this.timer = this.clock.setInterval(() => {
      this.run(() => this.tick(this.clock.now()));
      return this.queue;
    }, TICK_MS);
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    this.timer?.clear();
    this.timer = null;
    await this.queue;
  }

  private derives(e: JournalEvent): boolean {
    return SIGHTING_SOURCES.has(e.type) || e.type === 'sighting.linked';
  }

  /** Called with each committed batch, after the projections have applied it. */
  onCommitted(events: JournalEvent[]): void {
    if (!this.started) return;
    for (const e of events) {
      if (this.derives(e)) this.run(() => this.derive(e));
      // The breach's radio alert quotes its incident's reference number: sent once that incident is journaled.
      else if (e.type === 'incident.reported') {
        const origin = e.payload?.origin;
        if (origin?.kind === 'breach' && origin.ref) this.alertBreach(origin.ref);
      } else if (e.type === 'radio.position' || e.type === 'radio.status') this.checkArrival(e);
    }
  }

  private run(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => this.log.error({ err }, 'tracking derivation failed'));
  }

  private append(input: DistributiveOmit<AppendInput, 'source'>): Promise<JournalEvent> {
    return this.journal.append({ source: 'gateway', ...input });
  }

  private get moves(): MoveContext {
    return { graph: this.graph!, zones: this.config.zones, walkSpeedMps: this.config.tracking.walkSpeedMps, cameras: this.config.cameras };
  }

  private sightingOf(e: JournalEvent): Sighting | null {
    if (e.type !== 'sighting.linked') {
      // A camera that sees several zones places the subject in the one his track makes likeliest.
      const pick = (subjectId: string | null, atMs: number) =>
        subjectId ? consistentZone(this.projections.tracks.get(subjectId), atMs, this.moves) : undefined;
      return sightingFrom(e, this.config, (id) => this.projections.subjects.has(id), pick);
    }
    const p = e.payload;
    if (!p) return null; // erased
    const s = this.projections.tracks.unlinkedSighting(p.sightingId);
    return s && this.projections.subjects.has(p.subjectId) ? { ...s, subjectId: p.subjectId } : null;
  }

  private async derive(e: JournalEvent): Promise<void> {
    if (e.seq <= this.projections.tracks.lastTrigger) return; // already derived (catch-up overlap)
    const found = this.sightingOf(e);
    if (!found) return;
    let s = found;
    const appends: Array<Promise<unknown>> = [];
    const subjectId = s.subjectId;
    if (subjectId) {
      let before = this.projections.tracks.get(subjectId) ?? null;
      const judged = checkMove(before, s, this.moves);
      s = judged.sighting;
      if (judged.confirmed && before) {
        // A flagged move that this sighting follows on from is confirmed: journaled again, it steers from now on.
        const again = fuse(before, { ...judged.confirmed, subjectId });
        appends.push(
          this.append({
            type: 'track.sighting',
            subject: `subject:${subjectId}`,
            ref: again.track.trackId,
            payload: { type: 'update', sighting: judged.confirmed, before: summary(before), after: summary(again.track), trigger: e.seq },
          }),
        );
        before = again.track;
      }
      if (s.implausible)
        this.log.warn({ sightingId: s.id, subjectId, move: s.implausible }, 'sighting implies an impossible move; kept, flagged, not steering predictions');
      const { track, type } = fuse(before, { ...s, subjectId });
      const predicted = predict(track, this.graph!, s.atMs, this.config.tracking.predictSeconds, this.cameras);
      const after = { ...summary(track), predicted, handover: handover(track, predicted, this.cameras) };
      const sighting = { ...s, sharedRegionally: this.projections.subjects.sharedRegionally(subjectId) };
      appends.push(
        this.append({
          type: 'track.sighting',
          subject: `subject:${subjectId}`,
          ref: track.trackId,
          payload: { type, sighting, before: before ? summary(before) : null, after, trigger: e.seq },
        }),
      );
    } else {
      appends.push(this.append({ type: 'track.sighting', ref: s.id, payload: { type: 'new', sighting: s, before: null, after: null, trigger: e.seq } }));
    }
    const reported = incidentFromReport(e, s);
    if (reported) {
      const payload = reported.subjectId ? { ...reported, sharedRegionally: this.projections.subjects.sharedRegionally(reported.subjectId) } : reported;
      appends.push(
        this.append({ type: 'incident.reported', subject: reported.premisesId ? `premises:${reported.premisesId}` : null, ref: reported.incidentId, payload }),
      );
    }
    if (subjectId) appends.push(...this.breaches(e, { ...s, subjectId }));
    // One tick: the sighting, its incident and its breaches commit together.
    await Promise.all(appends);
  }

  private breaches(e: JournalEvent, s: Sighting & { subjectId: string }): Array<Promise<unknown>> {
    const out: Array<Promise<unknown>> = [];
    const cooldownMs = this.config.tracking.breachCooldownMinutes * 60_000;
    const cbos = this.projections.cbos.forSubject(s.subjectId).sort((a, b) => a.id.localeCompare(b.id));
    let n = 0;
    for (const cbo of cbos) {
      const reasons = breachReasons(cbo, s, s.atMs, this.config.site.timezone);
      if (reasons.length === 0) continue;
      const earlier: BreachMark[] = this.projections.breaches.forCbo(cbo.id).map((b) => ({ cboId: b.cboId, zone: b.zone, atMs: Date.parse(b.at) }));
      if (isRepeat(earlier, { cboId: cbo.id, zone: s.zone, atMs: s.atMs }, cooldownMs)) continue;
      const breach: BreachDetected = {
        breachId: `br-${e.id}${n ? `-${n}` : ''}`,
        cboId: cbo.id,
        subjectId: s.subjectId,
        sightingId: s.id,
        at: s.at,
        zone: s.zone,
        position: s.position,
        premisesId: s.premisesId,
        reasons,
        sharedRegionally: this.projections.subjects.sharedRegionally(s.subjectId),
      };
      n++;
      const incident = { ...incidentFromBreach(breach, (id) => this.zoneName(id)), sharedRegionally: breach.sharedRegionally };
      out.push(this.append({ type: 'breach.detected', subject: `subject:${s.subjectId}`, ref: breach.breachId, payload: breach }));
      out.push(this.append({ type: 'incident.reported', subject: `subject:${s.subjectId}`, ref: incident.incidentId, payload: incident }));
    }
    return out;
  }

  private zoneName(id: string): string {
    return this.config.zones.find((z) => z.id === id)?.name ?? id;
  }

  /**
   * Radio alert to the configured talkgroup: who, where, when, the order and the incident, in
   * the words an officer quotes (name, court reference, TW- number), never internal ids.
   */
  private alertBreach(breachId: string): void {
    const tg = this.config.tracking.breachTalkgroup;
    const b = this.projections.breaches.get(breachId);
    if (!tg || !b) return;
    const text = breachRadioText(b, {
      subject: this.projections.subjects.get(b.subjectId),
      order: this.projections.cbos.get(b.cboId),
      incident: this.projections.incidents.get(`inc-${b.breachId}`),
      zoneName: (id) => this.zoneName(id),
      timezone: this.config.site.timezone,
    });
    this.alerts
      .send({ text, priority: 'urgent', talkgroups: [tg], units: [] }, 'system:breach')
      .catch((err: unknown) => this.log.error({ err, breachId: b.breachId }, 'breach radio alert not sent'));
  }

  /**
   * A dispatched unit is on scene when it says so by status, or (judgeArrival) when its radio
   * acknowledged the dispatch and its fixes stay near the incident's point for the hold time.
   */
  private checkArrival(e: JournalEvent<'radio.position' | 'radio.status'>): void {
    if (!e.payload) return; // erased
    const unit = this.projections.units.unitByIssi(e.payload.issi);
    const incident = unit ? this.projections.incidents.awaitingUnit(unit.id) : undefined;
    if (!unit || !incident || this.arriving.has(incident.incidentId)) return;
    const key = `${incident.incidentId}/${unit.id}`;
    const { arrivalRadiusM, arrivalHoldSeconds } = this.config.incidents;
    const { by, holdingSince } = judgeArrival(
      {
        onSceneStatus: e.type === 'radio.status' && this.config.radio.statusCodes[String(e.payload.value)]?.state === 'on-scene',
        fix: e.type === 'radio.position' && e.payload ? [e.payload.lon, e.payload.lat] : null,
        at: e.ts,
        target: incident.position,
        receipt: incident.units.find((u) => u.unitId === unit.id)?.receipt ?? 'pending',
        holdingSince: this.holding.get(key) ?? null,
      },
      { radiusM: arrivalRadiusM, holdMs: arrivalHoldSeconds * 1000 },
    );
    if (holdingSince === null || by) this.holding.delete(key);
    else this.holding.set(key, holdingSince);
    if (!by) return;
    this.arriving.add(incident.incidentId);
    this.append({
      type: 'incident.on-scene',
      subject: `unit:${unit.id}`,
      ref: incident.incidentId,
      payload: {
        incidentId: incident.incidentId,
        unitId: unit.id,
        callsign: unit.callsign,
        by,
        causeSeq: e.seq,
        ...(by === 'position' ? { nearSince: holdingSince } : {}),
      },
    })
      .catch((err: unknown) => this.log.error({ err, incidentId: incident.incidentId }, 'could not journal arrival'))
      .finally(() => this.arriving.delete(incident.incidentId));
  }

  /**
   * Tracks nobody has seen for a while end; orders past their expiry expire; shares with members
   * past theirs end: each on the record (members stopped seeing the subject at the expiry
   * anyway, since every read checks it against the clock).
   */
  private async tick(now: number): Promise<void> {
    const endAfterMs = this.config.tracking.trackEndMinutes * 60_000;
    const appends: Array<Promise<unknown>> = [];
    for (const t of this.projections.tracks.all()) {
      const last = t.sightings[t.sightings.length - 1];
      if (t.state !== 'active' || !last || now - last.atMs < endAfterMs) continue;
      appends.push(
        this.append({
          type: 'track.ended',
          subject: `subject:${t.subjectId}`,
          ref: t.trackId,
          payload: { type: 'end', subjectId: t.subjectId, before: summary(t), after: summary(endTrack(t)) },
        }),
      );
    }
    for (const c of this.projections.cbos.all()) {
      if ((c.state === 'warning' || c.state === 'issued' || c.state === 'extended') && now >= Date.parse(c.expiresAt)) {
        appends.push(
          this.append({
            type: 'cbo.expired',
            subject: `subject:${c.subjectId}`,
            ref: c.id,
            payload: { cboId: c.id, subjectId: c.subjectId, expiresAt: c.expiresAt },
          }),
        );
      }
    }
    for (const subject of this.projections.subjects.all()) {
      const until = subject.sharedWithMembersUntil;
      if (!subject.sharedWithMembers || !until || now < Date.parse(until)) continue;
      appends.push(
        this.append({
          type: 'subject.share-expired',
          subject: `subject:${subject.id}`,
          ref: subject.id,
          payload: { subjectId: subject.id, until },
        }),
      );
    }
    await Promise.all(appends);
  }
}
