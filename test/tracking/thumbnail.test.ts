import { describe, expect, it } from 'vitest';
import { makeThumbnail } from '../../gateway/tracking/thumbnail';
import { EXIF_GPS, realJpeg, realPng, withSegments } from '../helpers/photos';

/** Width and height from a JPEG's start-of-frame segment (SOF0–SOF2), as a viewer reads them. */
function jpegSize(jpeg: Buffer): [number, number] {
  let at = 2;
  while (at < jpeg.length) {
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return [jpeg.readUInt16BE(at + 7), jpeg.readUInt16BE(at + 5)];
    at += 2 + length;
  }
  throw new Error('no frame in this JPEG');
}

describe('subject photo thumbnails', () => {
  it('are JPEGs 160 px wide in proportion, with nothing of the original metadata', async () => {
    const thumb = await makeThumbnail(withSegments(realJpeg('green', '800x600'), EXIF_GPS), 'image/jpeg');
    expect(thumb.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(jpegSize(thumb)).toEqual([160, 120]);
    expect(thumb.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(thumb.includes(Buffer.from('Exif'))).toBe(false);
  });

  it('never blow up a small photo, and read PNG too', async () => {
    expect(jpegSize(await makeThumbnail(realJpeg('blue', '64x48'), 'image/jpeg'))).toEqual([64, 48]);
    const fromPng = await makeThumbnail(realPng(), 'image/png');
    expect(fromPng.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('reject what is not a picture, with ffmpeg’s reason', async () => {
    await expect(makeThumbnail(Buffer.from('not a photo at all'), 'image/jpeg')).rejects.toThrow(/ffmpeg made no thumbnail/);
  });
});
