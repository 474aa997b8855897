import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { hasExited, redactUrls, spawnTied, stopChild, TailBuffer, type DeathGuard } from './child';
import { transcodeArgs, type TranscodeSettings } from './ffmpeg-args';
import { TsSegmenter, type Segment, type VideoFormat } from './mpegts';

export type StreamState = 'idle' | 'starting' | 'streaming' | 'backoff';

export interface CameraStreamOptions extends TranscodeSettings {
  id: string;
  ffmpegPath: string;
  /** After the last consumer leaves, ffmpeg keeps running this long (a viewer switching back is instant). */
  idleStopMs: number;
  /** No output for this long while running means a stall: ffmpeg is killed and restarted. */
  stallMs: number;
  backoff: { initialMs: number; maxMs: number };
  log: Logger;
  guard?: DeathGuard;
}

export interface StreamExit {
  reason: string;
  /** `input`: ffmpeg reported the camera gone; `stall`: no pictures for `stallMs`; `exit`: ffmpeg ended by itself. */
  kind: 'input' | 'stall' | 'exit';
  /** Milliseconds until the next attempt; null when nobody is watching any more. */
  retryInMs: number | null;
}

export interface StreamStatus {
  state: StreamState;
  consumers: number;
  pid: number | null;
  restarts: number;
  format: VideoFormat | null;
  lastDataAt: number | null;
  lastExit: string | null;
  pictures: number;
}

/** Streaming this long without a failure counts as recovered: the next failure waits the shortest delay again. */
const STABLE_MS = 10_000;

export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

interface Events {
  segment: [Segment];
  state: [StreamState];
  exit: [StreamExit];
}

/**
 * One camera's transcoder, started on demand and shared: ffmpeg runs while anyone consumes
 * the stream (plus `idleStopMs`), is restarted with exponential backoff when it exits or
 * stalls, and is tied to this process so it dies with it. Emits whole-packet `segment`s.
 */
export class CameraStream extends EventEmitter<Events> {
  private child: ChildProcess | null = null;
  private segmenter = new TsSegmenter();
  private st: StreamState = 'idle';
  private consumers = 0;
  private attempt = 0;
  private restarts = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private killedFor: { kind: 'input' | 'stall'; reason: string } | null = null;
  private lastDataAt: number | null = null;
  private streamingSince: number | null = null;
  private format: VideoFormat | null = null;
  private lastExit: string | null = null;
  private pictures = 0;
  private closed = false;

  constructor(private readonly opts: CameraStreamOptions) {
    super();
  }

  get id(): string {
    return this.opts.id;
  }

  get state(): StreamState {
    return this.st;
  }

  status(): StreamStatus {
    return {
      state: this.st,
      consumers: this.consumers,
      pid: this.child?.pid ?? null,
      restarts: this.restarts,
      format: this.format,
      lastDataAt: this.lastDataAt,
      lastExit: this.lastExit,
      pictures: this.pictures,
    };
  }

  /** True while ffmpeg is delivering: data within the stall window. */
  healthy(now = Date.now()): boolean {
    return this.st === 'streaming' && this.lastDataAt !== null && now - this.lastDataAt < this.opts.stallMs;
  }

  acquire(): void {
    if (this.closed) return;
    this.consumers++;
    this.clearTimer('idle');
    if (this.st === 'idle') this.spawn();
  }

  release(): void {
    this.consumers = Math.max(0, this.consumers - 1);
    if (this.consumers > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.consumers === 0) void this.halt();
    }, this.opts.idleStopMs);
  }

  /** Stops for good (gateway shutdown): no restarts after this. */
  async stop(): Promise<void> {
    this.closed = true;
    await this.halt();
  }

  private async halt(): Promise<void> {
    this.clearTimer('idle');
    this.clearTimer('retry');
    this.clearTimer('watchdog');
    const child = this.child;
    this.child = null;
    this.setState('idle');
    if (child) {
      this.opts.log.info({ camera: this.id, pid: child.pid }, 'stopping stream');
      await stopChild(child);
    }
  }

  private spawn(): void {
    const child = spawnTied(this.opts.ffmpegPath, transcodeArgs(this.opts), { guard: this.opts.guard });
    this.child = child;
    this.segmenter = new TsSegmenter();
    this.killedFor = null;
    this.streamingSince = null;
    this.lastDataAt = Date.now(); // the stall clock starts now: connecting counts against it
    const stderr = new TailBuffer();
    this.setState('starting');
    this.opts.log.info({ camera: this.id, pid: child.pid }, 'stream starting');
    child.stdout!.on('data', (chunk: Buffer) => this.onData(child, chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      this.checkInputError(child, chunk.toString());
    });
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      this.onExit(child, why);
    };
    child.once('error', (err) => end(err.message));
    child.once('close', (code, signal) => end(stderr.lastLine(this.opts.url) || `ffmpeg exited (${signal ?? `code ${code}`})`));
    this.clearTimer('watchdog');
    this.watchdog = setInterval(() => this.checkStall(child), Math.max(100, Math.min(1000, this.opts.stallMs / 4)));
  }

  private onData(child: ChildProcess, chunk: Buffer): void {
    if (child !== this.child) return;
    const now = Date.now();
    for (const seg of this.segmenter.push(chunk)) {
      // Pictures, not bytes, keep the stall clock going: tables alone are not video.
      if (seg.pictures > 0) this.lastDataAt = now;
      if (seg.format) this.format = seg.format;
      this.pictures += seg.pictures;
      if (this.st !== 'streaming' && seg.keyframe) {
        this.streamingSince = now;
        this.setState('streaming');
      }
      this.emit('segment', seg);
    }
    if (this.streamingSince !== null && now - this.streamingSince >= STABLE_MS) this.attempt = 0;
  }

  /**
   * ffmpeg reports a failed input read as `<url>: <message>` (e.g. "Connection timed out" when
   * RTP stops), then flushes, retries and trickles a picture every few seconds before it gives
   * up. The first such line means the camera is gone: restart now rather than later.
   */
  private checkInputError(child: ChildProcess, text: string): void {
    if (child !== this.child || this.killedFor !== null) return;
    const line = text.split(/\r?\n|\r/).find((l) => l.startsWith(`${this.opts.url}: `));
    if (!line) return;
    this.killedFor = { kind: 'input', reason: redactUrls(line.slice(this.opts.url.length + 2).trim()) };
    this.opts.log.warn({ camera: this.id, pid: child.pid, reason: this.killedFor.reason }, 'camera input failed; restarting ffmpeg');
    child.kill('SIGKILL');
  }

  private checkStall(child: ChildProcess): void {
    if (child !== this.child || hasExited(child) || this.lastDataAt === null || this.killedFor) return;
    const silentMs = Date.now() - this.lastDataAt;
    if (silentMs < this.opts.stallMs) return;
    this.killedFor = { kind: 'stall', reason: `no pictures for ${Math.round(silentMs / 1000)} s` };
    this.opts.log.warn({ camera: this.id, pid: child.pid, silentMs }, 'stream stalled; killing ffmpeg');
    this.clearTimer('watchdog');
    child.kill('SIGKILL');
  }

  private onExit(child: ChildProcess, why: string): void {
    if (child !== this.child) return; // halted on purpose: halt() already reset the state
    this.child = null;
    this.clearTimer('watchdog');
    const kind = this.killedFor?.kind ?? 'exit';
    const reason = this.killedFor?.reason ?? why;
    this.lastExit = reason;
    if (this.closed || this.consumers === 0) {
      this.setState('idle');
      this.emit('exit', { reason, kind, retryInMs: null });
      return;
    }
    const delay = backoffDelay(this.attempt++, this.opts.backoff.initialMs, this.opts.backoff.maxMs);
    this.restarts++;
    this.opts.log.warn({ camera: this.id, reason, retryInMs: delay }, 'stream ended; restarting');
    this.setState('backoff');
    this.emit('exit', { reason, kind, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && this.consumers > 0 && this.st === 'backoff') this.spawn();
      else if (this.st === 'backoff') this.setState('idle');
    }, delay);
  }

  private setState(s: StreamState): void {
    if (this.st === s) return;
    this.st = s;
    if (s !== 'streaming') this.streamingSince = null;
    this.emit('state', s);
  }

  private clearTimer(which: 'idle' | 'retry' | 'watchdog'): void {
    if (which === 'idle' && this.idleTimer) clearTimeout(this.idleTimer);
    if (which === 'retry' && this.retryTimer) clearTimeout(this.retryTimer);
    if (which === 'watchdog' && this.watchdog) clearInterval(this.watchdog);
    if (which === 'idle') this.idleTimer = null;
    if (which === 'retry') this.retryTimer = null;
    if (which === 'watchdog') this.watchdog = null;
  }
}
