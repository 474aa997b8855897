// The normalised events a radio adapter emits, whatever the bearer (PEI serial today).
// The journal stores them as they are, so every event but the link state keeps the raw
// line or SDS it came from: a decode can be re-checked later against the wire.
import { z } from 'zod';

/** ISSI or GSSI: 24-bit short subscriber identity. */
export const Ssi = z.number().int().min(0).max(0xffffff);

export const RawRecord = z.object({
  header: z.string().optional(),
  pdu: z.string().optional(),
  line: z.string().optional(),
  /** Every part of a concatenated text, in part order (header and PDU each). */
  parts: z.array(z.object({ header: z.string(), pdu: z.string() })).optional(),
});
export type RawRecord = z.infer<typeof RawRecord>;

export const RadioPosition = z.object({
  type: z.literal('radio.position'),
  issi: Ssi,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracyM: z.number().nonnegative().nullable(),
  speedKmh: z.number().nonnegative().nullable(),
  headingDeg: z.number().min(0).lt(360).nullable(),
  reason: z.string().nullable(),
  fixTime: z.iso.datetime(),
  raw: RawRecord,
});

export const RadioStatus = z.object({
  type: z.literal('radio.status'),
  issi: Ssi,
  /** 16-bit status value; its meaning (available, en route, emergency...) is configuration. */
  value: z.number().int().min(0).max(0xffff),
  raw: RawRecord,
});

export const RadioPtt = z.object({
  type: z.literal('radio.ptt'),
  issi: Ssi,
  talkgroup: Ssi,
  state: z.enum(['start', 'stop']),
  raw: RawRecord,
});

export const RadioEmergency = z.object({
  type: z.literal('radio.emergency'),
  issi: Ssi,
  state: z.literal('pressed'),
  raw: RawRecord,
});

export const RadioText = z.object({
  type: z.literal('radio.text'),
  issi: Ssi,
  to: Ssi,
  text: z.string(),
  msgRef: z.number().int().min(0).max(255).nullable(),
  raw: RawRecord,
});

export const RadioReceipt = z.object({
  type: z.literal('radio.receipt'),
  msgRef: z.number().int().min(0).max(255),
  issi: Ssi,
  /** "read": the terminal reported the message consumed (opened by its user). */
  status: z.enum(['delivered', 'read', 'failed']),
  /** Why a send failed when the radio network, not the recipient, said so (+CME ERROR, +CMGS status). */
  reason: z.string().optional(),
  raw: RawRecord,
});

export const RadioLink = z.object({
  type: z.literal('radio.link'),
  state: z.enum(['up', 'down']),
  reason: z.string(),
});

export const RadioMalformed = z.object({
  type: z.literal('radio.malformed'),
  reason: z.string(),
  raw: RawRecord,
});

export const RadioEvent = z.discriminatedUnion('type', [
  RadioPosition,
  RadioStatus,
  RadioPtt,
  RadioEmergency,
  RadioText,
  RadioReceipt,
  RadioLink,
  RadioMalformed,
]);

export type RadioEvent = z.infer<typeof RadioEvent>;
export type RadioEventType = RadioEvent['type'];
export type RadioEventOf<T extends RadioEventType> = Extract<RadioEvent, { type: T }>;

/**
 * The event if it satisfies the schema, else a radio.malformed carrying its raw record:
 * a decoder that produced, say, a latitude of 91 must not put it on the map.
 */
export function validateEvent(ev: RadioEvent): RadioEvent {
  const checked = RadioEvent.safeParse(ev);
  if (checked.success) return checked.data;
  const issues = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return { type: 'radio.malformed', reason: `decoded ${ev.type} failed validation: ${issues}`, raw: 'raw' in ev ? ev.raw : {} };
}
