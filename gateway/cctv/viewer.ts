import type { WebSocket } from 'ws';
import { jsmpHeader } from '../../devices/cctv/jsmp';
import type { Segment } from '../../devices/cctv/mpegts';

export interface ViewerLimits {
  /** Bytes a viewer may have queued; beyond this, segments are skipped for it. */
  maxBufferBytes: number;
  /** Skipping for this long means the viewer cannot keep up at all: it is disconnected. */
  slowDropMs: number;
}

export type Delivery = 'sent' | 'waiting' | 'skipped' | 'too-slow';

/**
 * One viewer's side of a shared stream. It starts at a group of pictures (with the `jsmp`
 * header first), and when its socket cannot keep up it skips whole segments and resumes at
 * the next group, so what it is sent always decodes and its queue never grows past the bound.
 */
export class Viewer {
  private started = false;
  private skippingSince: number | null = null;
  bytes = 0;
  skipped = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly limits: ViewerLimits,
  ) {}

  deliver(seg: Segment, now = Date.now()): Delivery {
    if (!this.started) {
      if (!seg.keyframe || !seg.format) return 'waiting';
      this.send(jsmpHeader(seg.format.width, seg.format.height));
      this.started = true;
      this.send(seg.data);
      return 'sent';
    }
    const full = this.ws.bufferedAmount > this.limits.maxBufferBytes;
    if (this.skippingSince !== null) {
      // Resume only at a group of pictures, and only once the backlog has drained by half.
      if (!seg.keyframe || this.ws.bufferedAmount > this.limits.maxBufferBytes / 2) return this.skip(now);
      this.skippingSince = null;
    } else if (full) {
      return this.skip(now);
    }
    this.send(seg.data);
    return 'sent';
  }

  private skip(now: number): Delivery {
    this.skipped++;
    this.skippingSince ??= now;
    return now - this.skippingSince >= this.limits.slowDropMs ? 'too-slow' : 'skipped';
  }

  private send(data: Buffer): void {
    this.bytes += data.length;
    this.ws.send(data, { binary: true });
  }
}
