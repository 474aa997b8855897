/**
 * A subject's photo with everything but the picture taken out. Phones write where and when a
 * photo was taken, the camera's serial and the owner's name into EXIF, XMP, IPTC and PNG text
 * chunks: a member's snapshot of a shoplifter must not carry the member's home GPS to whoever
 * sees it. Pure: bytes in, bytes out, no decoder (so nothing is re-encoded and the picture is
 * exactly what was taken). Only JPEG and PNG are accepted, judged by their bytes, not by what
 * the uploader says they are.
 */

export type PhotoType = 'image/jpeg' | 'image/png';

export interface StrippedPhoto {
  contentType: PhotoType;
  bytes: Buffer;
  /** What was removed, for the record: `exif`, `xmp`, `iptc`, `comment`, `app3`…, or a PNG chunk type. */
  removed: string[];
}

export class PhotoError extends Error {}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG chunks that hold text, EXIF or a timestamp (PNG 1.2 and the 2017 eXIf extension). */
const PNG_METADATA = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME']);

export function stripPhotoMetadata(input: Buffer): StrippedPhoto {
  if (input.length >= 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return stripJpeg(input);
  if (input.length >= 8 && input.subarray(0, 8).equals(PNG_SIGNATURE)) return stripPng(input);
  throw new PhotoError('a photo must be a JPEG or PNG image');
}

/**
 * JPEG: the segments before the scan are walked (ITU-T T.81 B.1.1.2: 0xFF, a marker, a 16-bit
 * length that counts itself). APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour
 * transform) are kept, since the picture's colours depend on them; every other APPn and COM is
 * dropped. From the first SOS the image data is copied to the last EOI; anything after it (a
 * place some tools hide data) is dropped too.
 */
function stripJpeg(b: Buffer): StrippedPhoto {
  const parts: Buffer[] = [b.subarray(0, 2)];
  const removed: string[] = [];
  let i = 2;
  for (;;) {
    if (i + 1 >= b.length || b[i] !== 0xff) throw new PhotoError('not a complete JPEG image');
    // Fill bytes (0xFF padding) before a marker.
    while (b[i + 1] === 0xff && i + 2 < b.length) i++;
    const marker = b[i + 1]!;
    if (marker === 0xda) {
      const eoi = b.lastIndexOf(Buffer.from([0xff, 0xd9]));
      if (eoi < i) throw new PhotoError('not a complete JPEG image (no end of image)');
      parts.push(b.subarray(i, eoi + 2));
      if (eoi + 2 < b.length) removed.push('trailing-data');
      break;
    }
    if (marker === 0xd9) throw new PhotoError('not a JPEG image with a picture (no scan)');
    // Standalone markers (TEM, RSTn) carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push(b.subarray(i, i + 2));
      i += 2;
      continue;
    }
    if (i + 4 > b.length) throw new PhotoError('not a complete JPEG image');
    const end = i + 2 + b.readUInt16BE(i + 2);
    if (end > b.length || b.readUInt16BE(i + 2) < 2) throw new PhotoError('not a complete JPEG image (a segment runs past the end)');
    const kind = jpegMetadataKind(marker, b.subarray(i + 4, end));
    if (kind) removed.push(kind);
    else parts.push(b.subarray(i, end));
    i = end;
  }
  return { contentType: 'image/jpeg', bytes: Buffer.concat(parts), removed };
}

/** The kind of metadata a segment is, or null for one the picture needs. */
function jpegMetadataKind(marker: number, body: Buffer): string | null {
  if (marker === 0xe0 || marker === 0xe2 || marker === 0xee) return null;
  if (marker === 0xfe) return 'comment';
  if (marker === 0xe1) return body.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? 'exif' : 'xmp';
  if (marker === 0xed) return 'iptc';
  if (marker >= 0xe0 && marker <= 0xef) return `app${marker - 0xe0}`;
  return null;
}

/** PNG: chunk by chunk (length, type, data, CRC) to IEND; text, EXIF and time chunks are dropped. */
function stripPng(b: Buffer): StrippedPhoto {
  const parts: Buffer[] = [b.subarray(0, 8)];
  const removed: string[] = [];
  let i = 8;
  for (;;) {
    if (i + 12 > b.length) throw new PhotoError('not a complete PNG image');
    const end = i + 12 + b.readUInt32BE(i);
    if (end > b.length) throw new PhotoError('not a complete PNG image (a chunk runs past the end)');
    const type = b.subarray(i + 4, i + 8).toString('latin1');
    if (PNG_METADATA.has(type)) removed.push(type);
    else parts.push(b.subarray(i, end));
    i = end;
    if (type === 'IEND') break;
  }
  if (i < b.length) removed.push('trailing-data');
  return { contentType: 'image/png', bytes: Buffer.concat(parts), removed };
}
