import { TextDecoder } from 'node:util';
import { isEventType, type EventPayload, type EventType } from './contract/events';
import type { TopicMatch, TopicParam } from './contract/topics';
import type { AppendInput } from './journal/types';

/**
 * Validation of an inbound MQTT message against the topic contract. Pure: the broker decides
 * what to do with the verdict (journal it as an event, or quarantine it with its reason).
 */

export type QuarantineKind = 'unknown-topic' | 'unknown-id' | 'oversize' | 'utf8' | 'json' | 'schema';

/**
 * Ids a topic parameter must name where the gateway has the list (configured cameras): the ACL
 * lets a camera system publish for any camera, so a message for one not configured is
 * accepted on the wire but quarantined.
 */
export type KnownIds = Partial<Record<TopicParam, ReadonlySet<string>>>;

const PARAM_WORD: Record<TopicParam, string> = { issi: 'ISSI', gssi: 'talkgroup', premisesId: 'premises', cameraId: 'camera' };

/** An accepted message as the event it is journaled as: the topic's event type and that type's payload. */
export type InboundEvent = { [K in EventType]: { type: K; payload: EventPayload<K> } }[EventType];

export type Verdict = ({ ok: true; subject: string | null } & InboundEvent) | { ok: false; kind: QuarantineKind; reason: string };

/** Bytes of a quarantined payload kept in the journal; enough to diagnose, bounded. */
export const QUARANTINE_RAW_CAP = 4096;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function subjectOf(m: TopicMatch): string | null {
  const p = m.params;
  if (p.issi !== undefined) return `radio:${p.issi}`;
  if (p.premisesId !== undefined) return `premises:${p.premisesId}`;
  if (p.cameraId !== undefined) return `camera:${p.cameraId}`;
  return null;
}

/** Topic parameters become part of the event, typed: an ISSI is a number. */
function paramsOf(m: TopicMatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const params = m.params as Record<string, string>;
  for (const k in params) out[k] = k === 'issi' || k === 'gssi' ? Number(params[k]) : params[k];
  return out;
}

export function validateInbound(match: TopicMatch | null, payload: Buffer, known: KnownIds = {}): Verdict {
  if (!match) return { ok: false, kind: 'unknown-topic', reason: 'topic is not in the tw/v1 contract' };
  const { spec } = match;
  // An inbound topic is named after the event type it journals (its schema is that type's `wire`); fail closed all the same.
  if (!isEventType(spec.name)) return { ok: false, kind: 'unknown-topic', reason: `topic ${spec.name} journals no event type` };
  for (const [param, value] of Object.entries(match.params) as Array<[TopicParam, string]>) {
    if (known[param] && !known[param].has(value))
      return { ok: false, kind: 'unknown-id', reason: `${PARAM_WORD[param]} "${value.slice(0, 64)}" is not configured` };
  }
  if (payload.length > spec.maxPayload) {
    return { ok: false, kind: 'oversize', reason: `payload of ${payload.length} bytes exceeds ${spec.maxPayload} for ${spec.name}` };
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, kind: 'utf8', reason: 'payload is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, kind: 'json', reason: `invalid JSON: ${(err as Error).message}` };
  }
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, kind: 'schema', reason };
  }
  // Copied key by key: spreading zod's output object costs ~6 µs (a slow path in V8), 40× this
  // loop, and this runs for every message the broker takes.
  const event = paramsOf(match);
  const data = parsed.data as Record<string, unknown>;
  for (const key in data) event[key] = data[key];
  // Justified cast: `event` is the topic's `wire` schema's output plus the topic's parameters,
  // which is how the catalogue defines the payload of the event the topic is named after
  // (contract/events.ts; test/contract/events.test.ts parses what the broker journals).
  return { ok: true, subject: subjectOf(match), ...({ type: spec.name, payload: event } as InboundEvent) };
}

export interface InboundContext {
  topic: string;
  clientId: string;
  username: string;
  payload: Buffer;
  /** MQTT packet id of a QoS 1 publish: a resend after reconnect must not be journaled twice. */
  messageId?: number | undefined;
  qos: number;
}

export function dedupeKey(ctx: InboundContext, payloadDigest: string): string | null {
  return ctx.qos > 0 && ctx.messageId !== undefined ? `${ctx.clientId}/${ctx.messageId}/${payloadDigest}` : null;
}

export function quarantineEvent(ctx: InboundContext, kind: QuarantineKind, reason: string): AppendInput<'quarantine.message'> {
  const raw = ctx.payload.subarray(0, QUARANTINE_RAW_CAP);
  return {
    source: `mqtt:${ctx.clientId}`,
    type: 'quarantine.message',
    subject: `account:${ctx.username}`,
    payload: {
      topic: ctx.topic.slice(0, 512),
      clientId: ctx.clientId,
      username: ctx.username,
      kind,
      reason,
      size: ctx.payload.length,
      rawBase64: raw.toString('base64'),
      truncated: raw.length < ctx.payload.length,
    },
  };
}
