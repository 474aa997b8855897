import { z } from 'zod';

/**
 * The radio events a bearer adapter (TETRA PEI today) decodes, as the journal stores them: every
 * event but the link state keeps the raw line or SDS it came from, so a decode can be re-checked
 * later against the wire. The device code (devices/radio) produces exactly these shapes and the
 * journal's catalogue (events.ts) types their payloads with them: one definition.
 */

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

export const PeiRadioPosition = z.object({
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

export const PeiRadioStatus = z.object({
  type: z.literal('radio.status'),
  issi: Ssi,
  /** 16-bit status value; its meaning (available, en route, emergency...) is configuration. */
  value: z.number().int().min(0).max(0xffff),
  raw: RawRecord,
});

export const PeiRadioPtt = z.object({
  type: z.literal('radio.ptt'),
  issi: Ssi,
  talkgroup: Ssi,
  state: z.enum(['start', 'stop']),
  raw: RawRecord,
});

export const PeiRadioEmergency = z.object({
  type: z.literal('radio.emergency'),
  issi: Ssi,
  state: z.literal('pressed'),
  raw: RawRecord,
});

export const PeiRadioText = z.object({
  type: z.literal('radio.text'),
  issi: Ssi,
  to: Ssi,
  text: z.string(),
  msgRef: z.number().int().min(0).max(255).nullable(),
  raw: RawRecord,
});

export const PeiRadioReceipt = z.object({
  type: z.literal('radio.receipt'),
  msgRef: z.number().int().min(0).max(255),
  issi: Ssi,
  /** "read": the terminal reported the message consumed (opened by its user). */
  status: z.enum(['delivered', 'read', 'failed']),
  /** Why a send failed when the radio network, not the recipient, said so (+CME ERROR, +CMGS status). */
  reason: z.string().optional(),
  raw: RawRecord,
});

export const PeiRadioLink = z.object({
  type: z.literal('radio.link'),
  state: z.enum(['up', 'down']),
  reason: z.string(),
});

export const PeiRadioMalformed = z.object({
  type: z.literal('radio.malformed'),
  reason: z.string(),
  raw: RawRecord,
});

export const RadioEvent = z.discriminatedUnion('type', [
  PeiRadioPosition,
  PeiRadioStatus,
  PeiRadioPtt,
  PeiRadioEmergency,
  PeiRadioText,
  PeiRadioReceipt,
  PeiRadioLink,
  PeiRadioMalformed,
]);

export type RadioEvent = z.infer<typeof RadioEvent>;
export type RadioEventType = RadioEvent['type'];
export type RadioEventOf<T extends RadioEventType> = Extract<RadioEvent, { type: T }>;
