import { z } from 'zod';

/**
 * The payloads a dock receives, written from PROTOCOL.md sections 2 and 8 and sharing nothing
 * with the gateway's schemas (devices/dock/messages.ts): if the gateway sent something the
 * document does not allow, the simulator must notice instead of agreeing with it.
 */
const u16 = z.number().int().min(0).max(65535);
const u32 = z.number().int().min(0).max(4294967295);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** `window` up to 4 on a version 1 link and 64 on version 2; `version` only when the HELLO listed `versions`. */
export const SimHelloAck = z.object({ nonce: u32, window: z.number().int().min(1).max(64), version: z.number().int().min(1).max(255).optional() });
export const SimHeartbeat = z.object({ linked: z.boolean() });
export const SimAck = z.object({ seq: u16, fileNo: u32.optional(), offset: u32.optional() });
export const SimNak = z.object({ seq: u16, reason: z.number().int().min(1).max(13), expect: u16.optional() });
export const SimFileReq = z.object({ fileNo: u32, offset: u32 });
export const SimFileDone = z.object({ fileNo: u32, ok: z.boolean(), sha256: z.union([hex64, z.literal('')]), reason: z.string().max(256).optional() });
export const SimEraseOk = z.object({ fileNo: u32 });

/** A control payload: one JSON object; undefined when it is not JSON or does not match. */
export function simParse<T>(schema: z.ZodType<T>, payload: Buffer): T | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const res = schema.safeParse(raw);
  return res.success ? res.data : undefined;
}

export function simJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
