/**
 * The stream header of node-rtsp-stream's WebSocket relay, which JSMpeg players expect first:
 * `struct { char magic[4] = "jsmp"; uint16_be width, height; }`, then raw MPEG-TS.
 */
export const JSMP_MAGIC = 'jsmp';
export const JSMP_HEADER_SIZE = 8;

export function jsmpHeader(width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 0xffff || height > 0xffff) {
    throw new RangeError(`picture size ${width}x${height} does not fit the jsmp header`);
  }
  const header = Buffer.alloc(JSMP_HEADER_SIZE);
  header.write(JSMP_MAGIC, 0, 'latin1');
  header.writeUInt16BE(width, 4);
  header.writeUInt16BE(height, 6);
  return header;
}

export function parseJsmpHeader(buf: Buffer): { width: number; height: number } | null {
  if (buf.length < JSMP_HEADER_SIZE || buf.toString('latin1', 0, 4) !== JSMP_MAGIC) return null;
  return { width: buf.readUInt16BE(4), height: buf.readUInt16BE(6) };
}
