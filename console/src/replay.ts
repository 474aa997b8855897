import { isEvent } from '../../gateway/contract/is-event';
import type { ConsoleEvent, StateSnapshot } from '../../gateway/contract/socket';
import type { SiteInfo } from '../../gateway/contract/api';
import { Store } from './store';

/** How far back each unit's trail reaches behind the replayed moment. */
export const TRAIL_MS = 30 * 60_000;
/** The speeds offered: replayed time per real second. */
export const SPEEDS = [1, 5, 15, 60] as const;
/** How often playing moves the clock (real time). */
const TICK_MS = 250;
/** How often, while playing, the units' states are asked for at the replayed moment (real time). */
export const UNITS_EVERY_MS = 5_000;

/** One stretch of the map's events, as `GET /api/replay` answers. */
export interface ReplayPage {
  from: string;
  until: string;
  complete: boolean;
  earliest: string | null;
  events: ConsoleEvent[];
}

/** What the gateway is asked: the state at a moment, and the events of a stretch after one. */
export interface ReplaySource {
  stateAt(at: number): Promise<StateSnapshot>;
  /** `newest`: a busy stretch keeps its latest events (a trail up to a moment) rather than its first. */
  events(from: number, to: number, newest?: boolean): Promise<ReplayPage>;
}

export interface TrailPoint {
  at: number;
  lat: number;
  lon: number;
}

/** The town at the replayed moment, for the map: a store like the live one, its clock, the trails. */
export interface ReplayPicture {
  store: Store;
  at: number;
  /** Each unit's positions in the TRAIL_MS up to `at`, oldest first, by unit id. */
  trails: Map<string, TrailPoint[]>;
}

/**
 * Runs one request at a time and keeps only the latest asked for meanwhile: a slider dragged
 * across an hour asks for dozens of moments, and each state costs the gateway up to a second.
 * A result that a newer ask has overtaken is dropped, never drawn.
 */
export class LatestOnly<A, R> {
  private running = false;
  private pending: { arg: A } | null = null;
  /** Requests actually started (tests, diagnostics). */
  started = 0;

  constructor(
    private readonly run: (arg: A) => Promise<R>,
    private readonly done: (arg: A, result: R) => void,
    private readonly failed: (err: unknown) => void,
  ) {}

  get busy(): boolean {
    return this.running;
  }

  ask(arg: A): void {
    if (this.running) this.pending = { arg };
    else void this.go(arg);
  }

  /** Forgets a waiting ask and any answer still to come (leaving replay). */
  cancel(): void {
    this.pending = null;
    this.generation++;
  }

  private generation = 0;

  private async go(arg: A): Promise<void> {
    this.running = true;
    this.started++;
    const gen = this.generation;
    try {
      const result = await this.run(arg);
      if (!this.pending && gen === this.generation) this.done(arg, result);
    } catch (err) {
      if (!this.pending && gen === this.generation) this.failed(err);
    } finally {
      this.running = false;
      const next = this.pending;
      this.pending = null;
      if (next) void this.go(next.arg);
    }
  }
}

/**
 * Replay: the state at a moment from the gateway (time travel), then, while playing, the
 * journal's events after it, applied by the live store's own code (the contract's lifecycles,
 * track fusion, incidents), so the replayed map is drawn exactly as the live one would have
 * been. One state per moment picked; playing asks for events, a stretch ahead of the clock.
 * A unit's state (available, en route, on scene) is the gateway's to derive, not the store's: while
 * playing, the units are asked for again every UNITS_EVERY_MS of real time, so they follow the
 * replayed clock within a few seconds instead of staying as they were at the moment picked.
 */
export class Replay {
  picture: ReplayPicture | null = null;
  /** The moment shown or being fetched. */
  at = 0;
  /** Replayed ms per real second / 1000; 0 when paused. */
  speed = 0;
  /** Fetching the state, or playing faster than the events arrive. */
  waiting = false;
  earliest: number | null = null;
  error: string | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly loader: LatestOnly<number, { state: StateSnapshot; trail: ReplayPage }>;
  private buffer: ConsoleEvent[] = [];
  private bufferedTo = 0;
  private fetchingEvents = false;
  private generation = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastTick = 0;
  private unitsAskedAt = 0;
  private fetchingUnits = false;

  constructor(
    private readonly source: ReplaySource,
    private readonly site: SiteInfo,
    /** The wall clock (replay never goes past now) and a monotonic one for playing; tests set both. */
    private readonly now: () => number = () => Date.now(),
    private readonly realNow: () => number = () => performance.now(),
  ) {
    this.loader = new LatestOnly(
      async (at) => {
        const [state, trail] = await Promise.all([this.source.stateAt(at), this.source.events(at - TRAIL_MS, at, true)]);
        return { state, trail };
      },
      (at, r) => this.loaded(at, r.state, r.trail),
      (err) => this.fail(err),
    );
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  /** State requests started so far (a slider drag must not start one per step). */
  get requests(): number {
    return this.loader.started;
  }

  /** Shows the town at a moment (clamped to the journal's start and now); pauses playing. */
  seek(at: number): void {
    this.pause();
    this.at = this.clamp(at);
    this.waiting = true;
    this.error = null;
    this.generation++;
    this.loader.ask(this.at);
    this.emit();
  }

  private clamp(at: number): number {
    return Math.min(this.now(), Math.max(this.earliest ?? -Infinity, at));
  }

  private loaded(at: number, state: StateSnapshot, trail: ReplayPage): void {
    const store = new Store();
    store.site = this.site;
    store.reset(state);
    this.earliest = trail.earliest ? Date.parse(trail.earliest) : null;
    const trails = new Map<string, TrailPoint[]>();
    this.picture = { store, at, trails };
    for (const e of trail.events) this.addTrail(e);
    this.buffer = [];
    this.bufferedTo = at;
    this.waiting = false;
    this.emit();
  }

  private fail(err: unknown): void {
    this.waiting = false;
    this.speed = 0;
    this.stopTimer();
    this.error = err instanceof Error ? err.message : String(err);
    this.emit();
  }

  private addTrail(e: ConsoleEvent): void {
    const p = this.picture;
    if (!p || !isEvent(e, 'radio.position') || !e.payload) return;
    const unit = p.store.unitByIssi(e.payload.issi) ?? this.site.units.find((u) => u.issi === e.payload!.issi);
    if (!unit) return;
    const trail = p.trails.get(unit.id) ?? [];
    trail.push({ at: e.ts, lat: e.payload.lat, lon: e.payload.lon });
    p.trails.set(unit.id, trail);
  }

  /** Plays forward at `speed` times real time from the moment shown. */
  play(speed: number): void {
    if (!this.picture || this.loader.busy) return;
    this.speed = speed;
    this.lastTick = this.realNow();
    this.unitsAskedAt = this.lastTick;
    if (!this.timer) this.timer = setInterval(() => this.tick(), TICK_MS);
    this.fetchAhead();
    this.emit();
  }

  pause(): void {
    if (this.speed === 0 && !this.timer) return;
    this.speed = 0;
    this.stopTimer();
    this.emit();
  }

  /** Leaves replay: nothing more is fetched or drawn. */
  stop(): void {
    this.pause();
    this.loader.cancel();
    this.generation++;
    this.picture = null;
    this.buffer = [];
    this.waiting = false;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Moves the clock by the real time passed, as far as the events fetched reach. */
  tick(realNow = this.realNow()): void {
    const p = this.picture;
    if (!p || this.speed === 0) return;
    const wanted = Math.min(p.at + (realNow - this.lastTick) * this.speed, this.now());
    this.lastTick = realNow;
    const to = Math.min(wanted, this.bufferedTo);
    this.waiting = to < wanted;
    this.advanceTo(to);
    if (p.at >= this.now() - 1) this.pause(); // caught up with now: live is the place for that
    this.fetchAhead();
    this.refreshUnits(realNow);
    this.emit();
  }

  /** The units as the gateway's projection had them at the replayed moment: one request at a time. */
  private refreshUnits(realNow: number): void {
    const p = this.picture;
    if (!p || this.fetchingUnits || realNow - this.unitsAskedAt < UNITS_EVERY_MS) return;
    this.unitsAskedAt = realNow;
    this.fetchingUnits = true;
    const gen = this.generation;
    void this.source
      .stateAt(p.at)
      .then((state) => {
        if (gen !== this.generation || this.picture !== p) return;
        p.store.applyUnits(state.units);
        this.emit();
      })
      .catch((err: unknown) => {
        if (gen === this.generation) this.fail(err);
      })
      .finally(() => {
        this.fetchingUnits = false;
      });
  }

  private advanceTo(to: number): void {
    const p = this.picture!;
    let n = 0;
    while (n < this.buffer.length && this.buffer[n]!.ts <= to) n++;
    const due = this.buffer.splice(0, n);
    if (due.length) {
      p.store.applyBatch(due, 0);
      for (const e of due) this.addTrail(e);
    }
    p.at = Math.max(p.at, to);
    this.at = p.at;
    for (const [id, trail] of p.trails) {
      const keep = trail.filter((x) => x.at > p.at - TRAIL_MS);
      if (keep.length) p.trails.set(id, keep);
      else p.trails.delete(id);
    }
  }

  /** Keeps about 20 s of real playing time fetched ahead of the clock: one request at a time. */
  private fetchAhead(): void {
    const p = this.picture;
    if (!p || this.speed === 0 || this.fetchingEvents) return;
    const ahead = 20_000 * this.speed;
    if (this.bufferedTo - p.at > ahead / 2 || this.bufferedTo >= this.now()) return;
    const from = this.bufferedTo;
    const to = Math.min(this.now(), from + Math.min(2 * 3_600_000, Math.max(60_000, ahead)));
    const gen = this.generation;
    this.fetchingEvents = true;
    void this.source
      .events(from, to)
      .then((page) => {
        if (gen !== this.generation) return;
        this.buffer.push(...page.events);
        this.bufferedTo = Date.parse(page.until);
      })
      .catch((err: unknown) => {
        if (gen === this.generation) this.fail(err);
      })
      .finally(() => {
        this.fetchingEvents = false;
      });
  }
}
