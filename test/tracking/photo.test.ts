import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PhotoError, stripPhotoMetadata } from '../../gateway/tracking/photo';
import { EXIF_GPS, pngChunk, realJpeg, realPng, segment, withSegments } from '../helpers/photos';

/**
 * What a phone writes into a photo (GPS, camera, owner, time) is taken out before a subject's
 * photo is stored; the picture itself is kept byte for byte. Real images from ffmpeg, with
 * metadata segments spliced in as a phone or an editor would write them.
 */
const XMP = segment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>CreatorTool iPhone</x:xmpmeta>', 'latin1'));
const IPTC = segment(0xed, Buffer.from('Photoshop 3.0\0By-line: Jane Member', 'latin1'));
const COMMENT = segment(0xfe, Buffer.from('taken at 14 Acacia Avenue', 'latin1'));

describe('stripping a photo’s metadata', () => {
  it('takes EXIF (GPS), XMP, IPTC, comments and trailing data out of a JPEG, and keeps the picture byte for byte', () => {
    const original = realJpeg();
    // The baseline has none: stripping it changes nothing.
    expect(stripPhotoMetadata(original)).toMatchObject({ removed: [] });
    const clean = stripPhotoMetadata(original).bytes;
    expect(clean.equals(original)).toBe(true);
    const phone = Buffer.concat([withSegments(original, EXIF_GPS, XMP, IPTC, COMMENT), Buffer.from('HIDDEN-TRAILER')]);
    const out = stripPhotoMetadata(phone);
    expect(out.contentType).toBe('image/jpeg');
    expect(out.removed).toEqual(['exif', 'xmp', 'iptc', 'comment', 'trailing-data']);
    const text = out.bytes.toString('latin1');
    for (const leak of ['GPSLatitude', 'Jane Member', 'iPhone', 'Acacia', 'HIDDEN']) expect(text).not.toContain(leak);
    // The same picture as the original without its own metadata, and still a JPEG a decoder reads.
    expect(out.bytes.equals(clean)).toBe(true);
    const probed = execFileSync('ffprobe', ['-loglevel', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-i', 'pipe:0'], {
      input: out.bytes,
    }).toString();
    expect(probed.trim()).toBe('32,32');
  });

  it('takes text, EXIF and time chunks out of a PNG', () => {
    const original = realPng();
    const ihdrEnd = 8 + 12 + original.readUInt32BE(8);
    const phone = Buffer.concat([
      original.subarray(0, ihdrEnd),
      pngChunk('tEXt', Buffer.from('Author\0Jane Member', 'latin1')),
      pngChunk('eXIf', Buffer.from('MM\0*GPSLatitude 52.9548', 'latin1')),
      pngChunk('tIME', Buffer.from([0x07, 0xea, 12, 7, 14, 0, 0])),
      original.subarray(ihdrEnd),
    ]);
    const out = stripPhotoMetadata(phone);
    expect(out.contentType).toBe('image/png');
    expect(out.removed).toEqual(['tEXt', 'eXIf', 'tIME']);
    expect(out.bytes.toString('latin1')).not.toMatch(/Jane|GPS/);
    expect(out.bytes.equals(stripPhotoMetadata(original).bytes)).toBe(true);
  });

  it('refuses what is not a whole JPEG or PNG, whatever it claims to be', () => {
    const jpeg = realJpeg();
    for (const bad of [Buffer.from('GIF89a...'), Buffer.from('<svg onload=alert(1)>'), jpeg.subarray(0, 40), Buffer.alloc(0), realPng().subarray(0, 30)]) {
      expect(() => stripPhotoMetadata(bad)).toThrow(PhotoError);
    }
    // A segment claiming to run past the end.
    const lying = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x45]);
    expect(() => stripPhotoMetadata(lying)).toThrow(/runs past the end/);
  });
});
