import { execFileSync } from 'node:child_process';
import { crc32 } from 'node:zlib';

/** Real images for photo tests, made by ffmpeg (a Debian package the tests already need), and the metadata phones add. */

/** A real JPEG (ffmpeg's mjpeg encoder, 32×32 unless given), decodable by any viewer. */
export function realJpeg(colour = 'red', size = '32x32'): Buffer {
  return execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `color=c=${colour}:s=${size}`,
    '-frames:v',
    '1',
    '-c:v',
    'mjpeg',
    // No "Lavc…" comment: the picture with no metadata at all, as the tests' baseline.
    '-flags',
    '+bitexact',
    '-fflags',
    '+bitexact',
    '-f',
    'image2pipe',
    'pipe:1',
  ]);
}

export function realPng(): Buffer {
  return execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=blue:s=16x16',
    '-frames:v',
    '1',
    '-c:v',
    'png',
    '-flags',
    '+bitexact',
    '-fflags',
    '+bitexact',
    '-f',
    'image2pipe',
    'pipe:1',
  ]);
}

export const segment = (marker: number, body: Buffer) => {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
};
/** An APP1 EXIF segment as a phone writes it (the TIFF body here is only text to look for). */
export const EXIF_GPS = segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from('MM\0*GPSLatitude 52.9548 N; Owner: Jane Member')]));
/** The JPEG with segments inserted right after SOI, as cameras place EXIF. */
export function withSegments(jpeg: Buffer, ...segments: Buffer[]): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
