import { z } from 'zod';

/**
 * The uplink's wire format, shared by the gateway's forwarder and the regional service. One
 * MQTT message on `tw/v1/region/<siteId>/events` carries a run of consecutive journal events,
 * oldest first. Every seq is present, so the region can follow the hash chain:
 *
 * - `event`: the full header (everything `chainHash` covers, and the hash), so the region
 *   recomputes the hash; the payload as the exact JSON text the journal stored when
 *   `payloadMode` is `full` (the region checks it against `payloadSha256`), a minimised copy
 *   (`minimised`, fields listed in `dropped`), or nothing (`withheld`, or `erased` by retention).
 * - `link`: an event whose type does not leave the site: only what chains it to its
 *   neighbours (seq, id, time, prevHash, hash). Nothing about it can be recomputed, but a
 *   changed event whose hash was recomputed still breaks the next event's prevHash.
 */

export const UPLINK_WIRE_VERSION = 1;
export const REGION_TOPIC_FILTER = 'tw/v1/region/+/events';
export const STATUS_TOPIC_FILTER = 'tw/v1/region/+/status';

export function uplinkTopic(siteId: string): string {
  return `tw/v1/region/${siteId}/events`;
}

/** Site → region: how far the site's journal and its uplink are (retained; about once a second). */
export function statusTopic(siteId: string): string {
  return `tw/v1/region/${siteId}/status`;
}

/** Region → site: send these seqs again (the broker lost them, e.g. in a crash). */
export function resendTopic(siteId: string): string {
  return `tw/v1/region/${siteId}/resend`;
}

/** The site id and kind of a region topic, or null when the topic is not one. */
export function parseRegionTopic(topic: string): { site: string; kind: 'events' | 'status' | 'resend' } | null {
  const m = /^tw\/v1\/region\/([a-z0-9]+(?:-[a-z0-9]+)*)\/(events|status|resend)$/.exec(topic);
  return m ? { site: m[1]!, kind: m[2] as 'events' | 'status' | 'resend' } : null;
}

/**
 * Events the broker acknowledged but never delivered can only be found by the region, which asks
 * for them again: every missing run at once in `ranges` (each `[from, to]`), `from`/`to` spanning
 * them all (a site that predates `ranges` re-sends the span, which is only more than needed).
 */
const Range = z.tuple([z.number().int().positive(), z.number().int().positive()]).refine(([f, t]) => f <= t, 'from is after to');
export const ResendRequest = z
  .strictObject({
    v: z.literal(UPLINK_WIRE_VERSION),
    from: z.number().int().positive(),
    to: z.number().int().positive(),
    ranges: z.array(Range).max(10_000).optional(),
  })
  .refine((r) => r.from <= r.to, 'from is after to');
export type ResendRequest = z.infer<typeof ResendRequest>;

const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits');

export const SiteStatus = z.strictObject({
  v: z.literal(UPLINK_WIRE_VERSION),
  site: z.string().min(1).max(64),
  /** The journal's last seq, and the last seq the broker acknowledged (the uplink's cursor). */
  head: z.number().int().nonnegative(),
  acked: z.number().int().nonnegative(),
  at: z.number().int().nonnegative(),
  /** The hash of the event at `acked`: with `sig`, the site vouches for its chain up to there. */
  ackedHash: Hash.optional(),
  /** HMAC-SHA256 (hex) of `statusSigningText` under the site's `uplink.signingKey`. */
  sig: Hash.optional(),
});
export type SiteStatus = z.infer<typeof SiteStatus>;

/**
 * What a site signs: a holder of the site's MQTT password can publish events and statuses, but
 * without the signing key it cannot vouch for a chain head, so the region can tell them apart.
 */
export function statusSigningText(s: Pick<SiteStatus, 'site' | 'head' | 'acked' | 'at' | 'ackedHash'>): string {
  return `tw-status|v${UPLINK_WIRE_VERSION}|${s.site}|${s.head}|${s.acked}|${s.ackedHash ?? ''}|${s.at}`;
}
const Seq = z.number().int().positive();
// Header strings are bounded only by the message: a message refused here would be refused every time it is re-sent.
const Nullable = z.string().max(65_535).nullable();

export const PAYLOAD_MODES = ['full', 'minimised', 'withheld', 'erased'] as const;
export type PayloadMode = (typeof PAYLOAD_MODES)[number];

export const WireEvent = z.strictObject({
  kind: z.literal('event'),
  seq: Seq,
  id: z.string().min(1).max(64),
  ts: z.number().int().nonnegative(),
  source: z.string().max(65_535),
  type: z.string().min(1).max(1024),
  actor: Nullable,
  subject: Nullable,
  ref: Nullable,
  dedupe: Nullable,
  payloadSha256: Hash,
  prevHash: Hash,
  hash: Hash,
  payloadMode: z.enum(PAYLOAD_MODES),
  /** JSON text; null when withheld or erased. */
  payload: z.string().max(1_000_000).nullable(),
  dropped: z.array(z.string().max(128)).max(100).optional(),
});

export const WireLink = z.strictObject({
  kind: z.literal('link'),
  seq: Seq,
  id: z.string().min(1).max(64),
  ts: z.number().int().nonnegative(),
  prevHash: Hash,
  hash: Hash,
});

export const UplinkMessage = z
  .strictObject({
    v: z.literal(UPLINK_WIRE_VERSION),
    site: z.string().min(1).max(64),
    events: z
      .array(z.discriminatedUnion('kind', [WireEvent, WireLink]))
      .min(1)
      .max(5000),
  })
  .refine((m) => m.events.every((e, i) => i === 0 || e.seq === m.events[i - 1]!.seq + 1), 'events must be consecutive seqs');

export type WireEvent = z.infer<typeof WireEvent>;
export type WireLink = z.infer<typeof WireLink>;
export type WireItem = WireEvent | WireLink;
export type UplinkMessage = z.infer<typeof UplinkMessage>;
