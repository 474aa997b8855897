import { spawn } from 'node:child_process';
import type { PhotoType } from './photo';

/** Wide enough to tell a face in a list, small enough that a page of them costs little. */
export const THUMB_WIDTH = 160;
const TIMEOUT_MS = 10_000;
const MAX_BYTES = 512 * 1024;

/**
 * A small JPEG of a photo already stripped of its metadata, made by ffmpeg (which the gateway
 * runs for video already, `cctv.ffmpegPath`): scaled down to THUMB_WIDTH, its height in proportion. The encoder writes
 * the pixels and nothing else, so no metadata comes back. Rejects when ffmpeg is missing, fails
 * or takes too long; a photo is stored without a thumbnail then, and its lists show the photo.
 */
export function makeThumbnail(bytes: Buffer, type: PhotoType, ffmpegPath = 'ffmpeg'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ff = spawn(
      ffmpegPath,
      [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
        ...['-f', type === 'image/png' ? 'png_pipe' : 'jpeg_pipe', '-i', 'pipe:0'],
        // Never wider than the photo itself: a small picture is not blown up.
        ...['-vf', `scale='min(${THUMB_WIDTH},iw)':-2`, '-frames:v', '1', '-map_metadata', '-1'],
        ...['-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2', 'pipe:1'],
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    const timer = setTimeout(() => ff.kill('SIGKILL'), TIMEOUT_MS);
    ff.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BYTES) ff.kill('SIGKILL');
      else out.push(chunk);
    });
    ff.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-500)));
    ff.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ff.on('close', (code, signal) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(out);
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) resolve(jpeg);
      else reject(new Error(`ffmpeg made no thumbnail (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
    // A photo ffmpeg stops reading early (it refused it) is not an error of ours: its exit says why.
    ff.stdin.on('error', () => undefined);
    ff.stdin.end(bytes);
  });
}
