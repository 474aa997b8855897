import type { ChildProcess } from 'node:child_process';
import { stat, unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Camera, CctvSettings } from '../../config/schema';
import { type DeathGuard, spawnTied, stopChild, TailBuffer } from '../../devices/cctv/child';
import { ApiError } from '../http/errors';
import type { EvidenceStore } from './store';

export interface RecordedClip {
  sha256: string;
  size: number;
  recStart: string;
  recEnd: string;
}

export interface ClipRecorderOptions {
  store: EvidenceStore;
  cctv: CctvSettings;
  log: Logger;
  guard?: DeathGuard;
}

/** Above this, an operator should use the recorder's own export, not the gateway. */
export const MAX_CLIP_SECONDS = 600;

/**
 * Records a clip from a camera's RTSP stream into the evidence store: ffmpeg copies the stream
 * (no re-encoding: the camera's own pictures, bit for bit) into an MP4 in the store's `partial/`
 * for N seconds, then the store hashes it and moves it under its SHA-256. One recording per
 * camera at a time; a stuck camera is killed after its I/O timeout, and a file with no video in
 * it is refused, never stored as evidence.
 */
export class ClipRecorder {
  private readonly busy = new Set<string>();
  private readonly running = new Set<ChildProcess>();

  constructor(private readonly opts: ClipRecorderOptions) {}

  async record(camera: Camera, seconds: number): Promise<RecordedClip> {
    if (this.busy.has(camera.id)) throw new ApiError('TW_CONFLICT', `a clip of ${camera.name} is already being recorded`, 409);
    this.busy.add(camera.id);
    const path = await this.opts.store.scratchPath(`clip-${camera.id}.mp4`);
    try {
      const recStart = new Date();
      await this.ffmpeg(camera, seconds, path);
      const recEnd = new Date();
      const size = (await stat(path).catch(() => null))?.size ?? 0;
      // The MP4 header alone is a few hundred bytes: no video came.
      if (size < 1024) throw new ApiError('TW_UPSTREAM', `no video came from ${camera.name}`, 502);
      const got = await this.opts.store.adopt(path);
      return { ...got, recStart: recStart.toISOString(), recEnd: recEnd.toISOString() };
    } finally {
      this.busy.delete(camera.id);
      await unlink(path).catch(() => undefined);
    }
  }

  private ffmpeg(camera: Camera, seconds: number, out: string): Promise<void> {
    const s = this.opts.cctv;
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-rtsp_transport',
      s.rtspTransport,
      '-i',
      camera.rtspUrl,
      '-t',
      String(seconds),
      '-map',
      '0:v:0',
      '-c',
      'copy',
      // The index first: a browser can start playing before the whole file has come.
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ];
    const child = spawnTied(s.ffmpegPath, args, { guard: this.opts.guard });
    this.running.add(child);
    const stderr = new TailBuffer();
    child.stdout?.resume();
    child.stderr?.on('data', (d: Buffer) => stderr.push(d));
    // The stream gets its I/O timeout to start, and as long again to finish writing.
    const limit = setTimeout(() => void stopChild(child), (seconds + 2 * s.ioTimeoutSeconds + 10) * 1000);
    return new Promise((resolve, reject) => {
      child.once('error', (err) => {
        clearTimeout(limit);
        this.running.delete(child);
        reject(new ApiError('TW_UPSTREAM', `could not run ffmpeg: ${err.message}`, 502));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(limit);
        this.running.delete(child);
        if (code === 0) return resolve();
        const why = stderr.lastLine(camera.rtspUrl).slice(-300);
        this.opts.log.warn({ camera: camera.id, code, signal, stderr: why }, 'clip recording failed');
        reject(new ApiError('TW_UPSTREAM', `recording from ${camera.name} failed (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`, 502));
      });
    });
  }

  /** Ends recordings in progress (gateway shutdown): their partial files are removed. */
  async stop(): Promise<void> {
    await Promise.all([...this.running].map((c) => stopChild(c)));
  }
}
