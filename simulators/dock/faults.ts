import { Transform, type TransformCallback } from 'node:stream';

/**
 * Line faults (flip, drop, duplicate, slow), a camera whose copy no longer matches its hash
 * (bad-hash), and a dock that breaks the erase rule (erase-early: erases on FILE_DONE ok without
 * waiting for ERASE_OK, the one thing a dock must never do; the conformance kit must catch it).
 */
export type FaultName = 'flip' | 'drop' | 'duplicate' | 'slow' | 'bad-hash' | 'erase-early';
export const FAULTS: readonly FaultName[] = ['flip', 'drop', 'duplicate', 'slow', 'bad-hash', 'erase-early'];

export interface FaultCounters {
  dropped: number;
  flipped: number;
  duplicated: number;
}

/** Shared by both directions of one simulated dock. */
export interface FaultState {
  on: Set<FaultName>;
  /** Chance per packet of each of flip, drop and duplicate when switched on. */
  rate: number;
  slowBytesPerSec: number;
  /** Cable pulled without a PTY to kill: the line goes silent both ways. */
  silent: boolean;
  rng: () => number;
  counters: FaultCounters;
}

/**
 * A bad line, one packet at a time (object mode: one chunk is one SLIP packet). Outbound it
 * sees SLIP-encoded bytes, so a flip may hit a delimiter and merge or split frames; inbound it
 * sees decoded packets, so a flip is a damaged frame.
 */
export class FaultInjector extends Transform {
  constructor(private readonly state: FaultState) {
    super({ objectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const s = this.state;
    const hit = (f: FaultName): boolean => s.on.has(f) && s.rng() < s.rate;
    if (s.silent) return cb();
    if (hit('drop')) {
      s.counters.dropped++;
      return cb();
    }
    let out = chunk;
    if (chunk.length > 0 && hit('flip')) {
      out = Buffer.from(chunk);
      const at = Math.floor(s.rng() * out.length);
      out[at] = (out[at] ?? 0) ^ (1 + Math.floor(s.rng() * 255));
      s.counters.flipped++;
    }
    this.push(out);
    if (hit('duplicate')) {
      s.counters.duplicated++;
      this.push(out);
    }
    if (!s.on.has('slow')) return cb();
    setTimeout(cb, (chunk.length * 1000) / s.slowBytesPerSec);
  }
}
