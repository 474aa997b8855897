import type { z } from 'zod';
import { wireOf } from './events';
import * as P from './payloads';
import type { AccountRole } from './roles';

/**
 * The whole MQTT surface of Townwatch, in one table: every topic under `tw/v1/`, who
 * publishes it, its QoS and retain flag, and its payload schema. The broker's ACL, the
 * ingest validation and `TOPICS.md` are all derived from this table.
 *
 * Topic parameters are written `{name}`; the ACL checks each against the account
 * (a handset's own ISSI, a shop terminal's own premises…).
 */
export const TOPIC_PREFIX = 'tw/v1/';

export type TopicParam = 'issi' | 'gssi' | 'premisesId' | 'cameraId';

export interface TopicSpec {
  /** Also the journal event type of an accepted inbound message (its schema is the catalogue's `wire`, contract/events.ts). */
  name: string;
  pattern: string;
  direction: 'in' | 'out';
  qos: 0 | 1;
  retained: boolean;
  /** Inbound: roles that may publish it. Outbound: roles that may subscribe to it. */
  roles: readonly AccountRole[];
  schema: z.ZodType;
  /** Payloads above this many bytes are quarantined. */
  maxPayload: number;
  description: string;
}

const RADIO_IN: readonly AccountRole[] = ['handset', 'control-station'];
const SMALL = 4 * 1024;

export const TOPICS: readonly TopicSpec[] = [
  {
    name: 'radio.position',
    pattern: 'tw/v1/radio/{issi}/position',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: wireOf('radio.position'),
    maxPayload: SMALL,
    description: 'GPS fix of a handset, about once a second',
  },
  {
    name: 'radio.ptt',
    pattern: 'tw/v1/radio/{issi}/ptt',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: wireOf('radio.ptt'),
    maxPayload: SMALL,
    description: 'Push-to-talk start/stop on a talkgroup',
  },
  {
    name: 'radio.status',
    pattern: 'tw/v1/radio/{issi}/status',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: wireOf('radio.status'),
    maxPayload: SMALL,
    description: 'Status message (16-bit value; meaning set in config)',
  },
  {
    name: 'radio.emergency',
    pattern: 'tw/v1/radio/{issi}/emergency',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: wireOf('radio.emergency'),
    maxPayload: SMALL,
    description: 'Emergency button pressed or cancelled',
  },
  {
    name: 'radio.text',
    pattern: 'tw/v1/radio/{issi}/text',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: wireOf('radio.text'),
    maxPayload: SMALL,
    description: 'Short text message from a handset',
  },
  {
    name: 'radio.receipt',
    pattern: 'tw/v1/radio/{issi}/receipt',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: wireOf('radio.receipt'),
    maxPayload: SMALL,
    description: 'Delivery receipt for a downlink message',
  },
  {
    name: 'radio.presence',
    pattern: 'tw/v1/radio/{issi}/presence',
    direction: 'in',
    qos: 1,
    retained: true,
    roles: RADIO_IN,
    schema: wireOf('radio.presence'),
    maxPayload: SMALL,
    description: 'Link state; set offline by the Last Will',
  },
  {
    name: 'radio.downlink',
    pattern: 'tw/v1/radio/{issi}/down',
    direction: 'out',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: P.Downlink,
    maxPayload: SMALL,
    description: 'Text, alert or dispatch to one radio',
  },
  {
    name: 'talkgroup.downlink',
    pattern: 'tw/v1/talkgroup/{gssi}/down',
    direction: 'out',
    qos: 1,
    retained: false,
    roles: RADIO_IN,
    schema: P.Downlink,
    maxPayload: SMALL,
    description: 'Alert to every radio in a talkgroup',
  },
  {
    name: 'shop.report',
    pattern: 'tw/v1/shop/{premisesId}/report',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: ['shop-terminal'],
    schema: wireOf('shop.report'),
    maxPayload: 16 * 1024,
    description: "A member premises' incident or sighting report",
  },
  {
    name: 'shop.downlink',
    pattern: 'tw/v1/shop/{premisesId}/down',
    direction: 'out',
    qos: 1,
    retained: false,
    roles: ['shop-terminal'],
    schema: P.ShopDownlink,
    maxPayload: SMALL,
    description: "A bulletin or alert from the control room to one member premises' shop terminal (only its own)",
  },
  {
    name: 'shop.receipt',
    pattern: 'tw/v1/shop/{premisesId}/receipt',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: ['shop-terminal'],
    schema: wireOf('shop.receipt'),
    maxPayload: SMALL,
    description: "A shop terminal's receipt for a bulletin: `delivered` when shown, `read` when someone read it",
  },
  {
    name: 'cctv.sighting',
    pattern: 'tw/v1/cctv/{cameraId}/sighting',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: ['camera-system'],
    schema: wireOf('cctv.sighting'),
    maxPayload: 16 * 1024,
    description: 'An operator marks a subject on a camera',
  },
  {
    name: 'cctv.bookmark',
    pattern: 'tw/v1/cctv/{cameraId}/bookmark',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: ['camera-system'],
    schema: wireOf('cctv.bookmark'),
    maxPayload: 16 * 1024,
    description: 'An operator bookmarks a moment on a camera',
  },
  {
    name: 'cctv.fault',
    pattern: 'tw/v1/cctv/{cameraId}/fault',
    direction: 'in',
    qos: 1,
    retained: false,
    roles: ['camera-system'],
    schema: wireOf('cctv.fault'),
    maxPayload: SMALL,
    description: 'An operator reports a camera fault',
  },
];

/**
 * Topics outside `tw/v1/` whose names a third-party product fixes. Frigate (an NVR doing
 * object detection on our cameras) publishes its tracked objects on `frigate/events`, and only
 * the `frigate` prefix is configurable there. Same shape as TOPICS: the ACL lets the listed
 * roles publish them, the broker validates and journals them (type = name).
 */
export const EXTERNAL_TOPICS: readonly TopicSpec[] = [
  {
    name: 'frigate.event',
    pattern: 'frigate/events',
    direction: 'in',
    qos: 0,
    retained: false,
    roles: ['camera-system'],
    schema: wireOf('frigate.event'),
    maxPayload: 64 * 1024,
    description: 'A Frigate tracked object: new, update (better snapshot or zone change) or end; mapped to a camera sighting',
  },
];

export interface TopicMatch {
  spec: TopicSpec;
  params: Partial<Record<TopicParam, string>>;
}

interface Compiled {
  spec: TopicSpec;
  levels: string[];
}

const COMPILED: Compiled[] = TOPICS.map((spec) => ({ spec, levels: spec.pattern.split('/') }));

/** Finds the contract entry of a concrete topic and extracts its parameters. */
export function matchTopic(topic: string): TopicMatch | null {
  // A fleet publishes on the same few thousand topics over and over, and each publish is
  // matched for the ACL, its metric and every forward: remembered, not re-split each time.
  const known = MATCHED.get(topic);
  if (known !== undefined) return known;
  const m = matchUncached(topic);
  if (MATCHED.size >= MATCHED_MAX) MATCHED.clear();
  MATCHED.set(topic, m);
  return m;
}

/** Topic → its match, shared by every caller: frozen, so no caller can change another's. */
const MATCHED = new Map<string, TopicMatch | null>();
const MATCHED_MAX = 50_000;

function matchUncached(topic: string): TopicMatch | null {
  const levels = topic.split('/');
  for (const { spec, levels: pattern } of COMPILED) {
    if (pattern.length !== levels.length) continue;
    const params: Partial<Record<TopicParam, string>> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i]!;
      const v = levels[i]!;
      if (p.startsWith('{')) {
        if (v.length === 0) ok = false;
        else params[p.slice(1, -1) as TopicParam] = v;
      } else if (p !== v) ok = false;
    }
    if (ok) return Object.freeze({ spec, params: Object.freeze(params) });
  }
  return null;
}

/** The external (non-`tw/v1/`) topic a concrete topic is, if any; they have no parameters. */
export function matchExternalTopic(topic: string): TopicMatch | null {
  const spec = EXTERNAL_TOPICS.find((t) => t.pattern === topic);
  return spec ? { spec, params: {} } : null;
}

/** Builds a concrete topic from a pattern, e.g. `topicFor('radio.downlink', { issi: '2001' })`. */
export function topicFor(name: string, params: Partial<Record<TopicParam, string | number>>): string {
  const spec = TOPICS.find((t) => t.name === name);
  if (!spec) throw new Error(`no topic named ${name}`);
  return spec.pattern.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = params[key as TopicParam];
    if (v === undefined) throw new Error(`topic ${name} needs ${key}`);
    return String(v);
  });
}
