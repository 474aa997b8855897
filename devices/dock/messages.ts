import { z } from 'zod';
import { DATA_HEADER_LEN, FrameType, MAX_CHUNK, MAX_WINDOW, V2_MAX_CHUNK, V2_MAX_WINDOW, type NakCodeValue } from './constants';

/**
 * Payload schemas, one per control frame. Control payloads are JSON because they are rare and
 * a dock engineer can read them off a serial sniffer; DATA is binary because it is the bulk.
 */
const u16 = z.number().int().min(0).max(0xffff);
const u32 = z.number().int().min(0).max(0xffffffff);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256');
/** Names end up in logs and file names of quarantined evidence: keep them boring. */
const safeName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._-]+$/);
const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/);

export const Hello = z.object({
  dockId: id.describe('the dock id configured at the gateway for this serial line'),
  fw: z.string().max(64).describe('dock firmware version, free text'),
  bays: z.number().int().min(1).max(64).describe('number of camera bays'),
  nonce: u32.describe('JSON integer 0..4294967295 (not a string), random, new for each link start (retries of one start may repeat it)'),
  versions: z
    .array(z.number().int().min(1).max(255))
    .min(1)
    .max(16)
    .optional()
    .describe('the protocol versions the dock speaks; absent: version 1 only (a dock that predates version 2)'),
});
export const HelloAck = z.object({
  nonce: u32.describe('the HELLO nonce, echoed'),
  window: z
    .number()
    .int()
    .min(1)
    .max(V2_MAX_WINDOW)
    .describe(`the most unacknowledged seq frames the dock may have in flight: at most ${MAX_WINDOW} on a version 1 link, ${V2_MAX_WINDOW} on version 2`),
  version: z
    .number()
    .int()
    .min(1)
    .max(255)
    .optional()
    .describe("the version of this link: the highest in the HELLO's `versions` the gateway speaks; absent (version 1) when the HELLO had no `versions`"),
});
export const Heartbeat = z.object({ linked: z.boolean() });
export const Ack = z.object({
  seq: u16.describe('cumulative: this seq and all before it'),
  fileNo: u32.optional().describe('gateway only, for DATA'),
  offset: u32.optional().describe('gateway only, for DATA: bytes of the file durable at the gateway'),
});
/** What each NAK reason means, as the document states it (NakCode has the numbers). */
export const NAK_REASONS: Record<NakCodeValue, string> = {
  1: 'crc',
  2: 'length',
  3: 'unknown type/version',
  4: 'out of order',
  5: 'busy',
  6: 'no space',
  7: 'payload does not match its schema',
  8: "DATA longer than the offer's chunk",
  9: "bay above the HELLO's bays",
  10: 'another recording is in transfer',
  11: "HELLO from another dock id than the line's",
  12: 'DATA for a file not being received',
  13: 'no protocol version in common',
};
export const Nak = z.object({
  seq: u16,
  reason: z
    .number()
    .int()
    .min(1)
    .max(13)
    .describe(
      `${Object.entries(NAK_REASONS)
        .map(([n, what]) => `${n} ${what}`)
        .join(
          ', ',
        )}; 7 and up refuse a frame for its content: for a seq frame \`expect\` is its seq + 1 (it is consumed, not applied) and resending it unchanged cannot help`,
    ),
  expect: u16.optional().describe('the next seq the sender of the NAK expects'),
});
export const DockEvent = z.object({
  e: z.enum(['docked', 'undocked', 'battery', 'fault']),
  bay: z.number().int().min(0).max(64),
  cam: id,
  batt: z.number().int().min(0).max(100).optional().describe('camera battery, percent'),
  files: z.number().int().min(0).optional().describe('recordings on the camera not yet erased'),
  detail: z.string().max(256).optional().describe('free text, for fault'),
});
export const FileOffer = z.object({
  fileNo: u32,
  cam: id,
  bay: z.number().int().min(0).max(64),
  name: safeName,
  size: u32,
  sha256,
  recStart: z.iso.datetime({ offset: true }),
  recEnd: z.iso.datetime({ offset: true }),
  wearer: z.string().max(64).optional().describe('as the camera knows it; the gateway prefers its own camera-to-wearer assignment'),
  gps: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  chunk: z
    .number()
    .int()
    .min(1)
    .max(V2_MAX_CHUNK)
    .describe(
      `bytes per DATA frame the dock will send (the last may be shorter), at most ${MAX_CHUNK} on a version 1 link and ${V2_MAX_CHUNK} on version 2; DATA longer than this is a protocol error`,
    ),
});
export const FileReq = z.object({ fileNo: u32, offset: u32 });
export const FileEnd = z.object({ fileNo: u32 });
export const FileDone = z.object({ fileNo: u32, ok: z.boolean(), sha256: z.union([sha256, z.literal('')]), reason: z.string().max(256).optional() });
export const EraseOk = z.object({ fileNo: u32 });

export type Hello = z.infer<typeof Hello>;
export type HelloAck = z.infer<typeof HelloAck>;
export type Heartbeat = z.infer<typeof Heartbeat>;
export type Ack = z.infer<typeof Ack>;
export type Nak = z.infer<typeof Nak>;
export type DockEvent = z.infer<typeof DockEvent>;
export type FileOffer = z.infer<typeof FileOffer>;
export type FileReq = z.infer<typeof FileReq>;
export type FileEnd = z.infer<typeof FileEnd>;
export type FileDone = z.infer<typeof FileDone>;
export type EraseOk = z.infer<typeof EraseOk>;

export const SCHEMAS = {
  [FrameType.HELLO]: Hello,
  [FrameType.HELLO_ACK]: HelloAck,
  [FrameType.HEARTBEAT]: Heartbeat,
  [FrameType.ACK]: Ack,
  [FrameType.NAK]: Nak,
  [FrameType.DOCK_EVENT]: DockEvent,
  [FrameType.FILE_OFFER]: FileOffer,
  [FrameType.FILE_REQ]: FileReq,
  [FrameType.FILE_END]: FileEnd,
  [FrameType.FILE_DONE]: FileDone,
  [FrameType.ERASE_OK]: EraseOk,
} as const;

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a control payload; never throws, because the bytes come from a device. */
export function decodeJson<T>(schema: z.ZodType<T>, payload: Buffer): Parsed<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, error: 'payload is not JSON' };
  }
  const res = schema.safeParse(raw);
  return res.success ? { ok: true, value: res.data } : { ok: false, error: z.prettifyError(res.error) };
}

export interface DataChunk {
  fileNo: number;
  offset: number;
  bytes: Buffer;
}

export function encodeData(fileNo: number, offset: number, bytes: Buffer, maxChunk: number = MAX_CHUNK): Buffer {
  if (bytes.length === 0 || bytes.length > maxChunk) throw new RangeError(`chunk of ${bytes.length} bytes`);
  const out = Buffer.alloc(DATA_HEADER_LEN + bytes.length);
  out.writeUInt32BE(fileNo, 0);
  out.writeUInt32BE(offset, 4);
  bytes.copy(out, DATA_HEADER_LEN);
  return out;
}

/** `maxChunk`: the link's limit (MAX_CHUNK on version 1, V2_MAX_CHUNK on version 2). */
export function decodeData(payload: Buffer, maxChunk: number = MAX_CHUNK): Parsed<DataChunk> {
  const n = payload.length - DATA_HEADER_LEN;
  if (n < 1 || n > maxChunk) return { ok: false, error: `DATA carries ${n} bytes` };
  const offset = payload.readUInt32BE(4);
  if (offset + n > 0xffffffff) return { ok: false, error: 'DATA beyond 4 GiB' };
  return { ok: true, value: { fileNo: payload.readUInt32BE(0), offset, bytes: payload.subarray(DATA_HEADER_LEN) } };
}
