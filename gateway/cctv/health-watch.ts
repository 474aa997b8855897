import type { Logger } from 'pino';
import type { Camera } from '../../config/schema';
import { HealthDebounce, type Health } from '../../devices/cctv/health';
import type { ProbeResult } from '../../devices/cctv/probe';
import type { CameraStream } from '../../devices/cctv/stream';
import type { Journal } from '../journal/journal';
import type { Metrics } from '../metrics';
import type { Projections } from '../projections';

export interface HealthWatchDeps {
  cameras: readonly Camera[];
  streams: ReadonlyMap<string, CameraStream>;
  projections: Projections;
  journal: Journal;
  metrics: Metrics;
  log: Logger;
  intervalMs: number;
  debounce: number;
  probe: (camera: Camera, signal: AbortSignal) => Promise<ProbeResult>;
}

const FIRST_ROUND_MAX_DELAY_MS = 5000;

/** Probes at once, at most: each is an ffprobe process, and the machine also relays video. */
const CONCURRENCY = 2;

type Observation = { ok: true; detail: string } | { ok: false; detail: string };

/**
 * Watches every camera on a schedule and journals `camera.offline` / `camera.online` with a
 * reason once `debounce` rounds in a row agree. A camera being watched is judged by its running
 * stream (no second connection to it); others are probed with ffprobe. Rounds never overlap.
 */
export class HealthWatch {
  private readonly debouncers = new Map<string, HealthDebounce>();
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private stopped = true;
  private readonly abort = new AbortController();

  constructor(private readonly deps: HealthWatchDeps) {}

  start(): void {
    this.stopped = false;
    // Pick up where the journal left off, so a restart does not journal "online" again.
    const known = new Map(this.deps.projections.cameras.snapshot().map((v) => [v.id, v.health]));
    for (const c of this.deps.cameras) this.debouncers.set(c.id, new HealthDebounce(this.deps.debounce, known.get(c.id) ?? 'unknown'));
    this.updateGauge();
    // A short grace before the first round: a gateway starting with its site (after a power
    // cut, say) gives the cameras a moment, and one that stops at once spawns no probes.
    this.schedule(Math.min(this.deps.intervalMs, FIRST_ROUND_MAX_DELAY_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort(); // probes in flight are killed, not waited out
    await this.round;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.round = this.runRound().finally(() => {
        this.round = null;
        this.schedule(this.deps.intervalMs);
      });
    }, delayMs);
  }

  private async runRound(): Promise<void> {
    const queue = [...this.deps.cameras];
    const worker = async () => {
      for (let c = queue.shift(); c && !this.stopped; c = queue.shift()) await this.check(c);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  private async observe(c: Camera): Promise<Observation> {
    const stream = this.deps.streams.get(c.id);
    if (stream?.healthy()) return { ok: true, detail: 'stream delivering pictures' };
    if (stream?.state === 'backoff') return { ok: false, detail: stream.status().lastExit ?? 'stream failed' };
    const r = await this.deps.probe(c, this.abort.signal);
    return r.ok ? { ok: true, detail: `answers with ${r.codec} ${r.width}x${r.height}` } : { ok: false, detail: r.reason };
  }

  private async check(c: Camera): Promise<void> {
    let obs: Observation;
    try {
      obs = await this.observe(c);
    } catch (err) {
      obs = { ok: false, detail: `probe failed: ${(err as Error).message}` };
    }
    if (this.stopped) return;
    const change = this.debouncers.get(c.id)?.observe(obs.ok);
    if (!change) return;
    this.deps.log[change === 'offline' ? 'warn' : 'info']({ camera: c.id, reason: obs.detail }, `camera ${change}`);
    try {
      await this.deps.journal.append({
        source: 'gateway',
        type: `camera.${change}`,
        subject: `camera:${c.id}`,
        payload: { cameraId: c.id, reason: obs.detail },
      });
    } catch (err) {
      this.deps.log.error({ err, camera: c.id }, 'could not journal camera health');
    }
    this.updateGauge();
  }

  private updateGauge(): void {
    const counts: Record<Health, number> = { online: 0, offline: 0, unknown: 0 };
    for (const d of this.debouncers.values()) counts[d.health]++;
    for (const [health, n] of Object.entries(counts)) this.deps.metrics.cameras.set({ health }, n);
  }
}
