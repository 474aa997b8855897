import type { ChildProcess } from 'node:child_process';
import { hasExited, spawnTied, TailBuffer, type DeathGuard } from './child';
import { probeArgs, type ProbeSettings } from './ffmpeg-args';

export type ProbeResult = { ok: true; codec: string; width: number; height: number } | { ok: false; reason: string };

export interface ProbeOptions extends ProbeSettings {
  ffprobePath: string;
  /** The whole probe, connection to answer: a camera that accepts but never sends is down too. */
  timeoutMs: number;
  guard?: DeathGuard;
  /** Aborting kills the probe at once (a gateway stopping does not wait out a timeout). */
  signal?: AbortSignal;
}

interface FfprobeJson {
  streams?: Array<{ codec_name?: string; width?: number; height?: number }>;
}

/** Asks ffprobe whether the camera answers with a video stream; never throws. */
export function probeRtsp(opts: ProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawnTied(opts.ffprobePath, probeArgs(opts), { guard: opts.guard });
    } catch (err) {
      resolve({ ok: false, reason: `cannot run ffprobe: ${(err as Error).message}` });
      return;
    }
    let out = '';
    const err = new TailBuffer();
    let timedOut = false;
    const kill = () => {
      if (!hasExited(child)) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.stdout!.on('data', (d: Buffer) => {
      if (out.length < 64 * 1024) out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    let settled = false;
    const settle = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      resolve(r);
    };
    child.once('error', (e) => settle({ ok: false, reason: `cannot run ffprobe: ${e.message}` }));
    child.once('close', (code) => {
      if (opts.signal?.aborted) return settle({ ok: false, reason: 'probe aborted' });
      if (timedOut) return settle({ ok: false, reason: `no answer within ${Math.round(opts.timeoutMs / 1000)} s` });
      if (code !== 0) return settle({ ok: false, reason: err.lastLine(opts.url) || `ffprobe exited with code ${code}` });
      settle(parseProbe(out));
    });
  });
}

export function parseProbe(json: string): ProbeResult {
  try {
    const s = (JSON.parse(json) as FfprobeJson).streams?.[0];
    if (s?.codec_name && s.width && s.height) return { ok: true, codec: s.codec_name, width: s.width, height: s.height };
    return { ok: false, reason: 'no video stream' };
  } catch {
    return { ok: false, reason: 'unreadable ffprobe output' };
  }
}
