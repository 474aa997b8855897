import type { Logger } from 'pino';
import type { CctvSightingPayload } from '../contract/cctv';
import { FrigateEvent } from '../contract/payloads';
import type { Journal } from '../journal/journal';
import type { JournalEvent } from '../journal/types';

export interface DerivedSighting {
  payload: CctvSightingPayload;
  /** One sighting per object, phase and set of zones entered, however often Frigate repeats itself. */
  dedupe: string;
  ref: string;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((z) => b.includes(z));

function subLabel(v: FrigateEvent['after']['sub_label']): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : v[0];
}

/**
 * What a Frigate message adds to the record, as a camera sighting, or null. Pure. `new` (the
 * object is a true positive) and `end` always count; an `update` counts only when the zones
 * entered change: Frigate also updates for a better snapshot or score, which moves no one.
 */
export function frigateSighting(msg: FrigateEvent, cameraId: string): DerivedSighting | null {
  const { before, after } = msg;
  if (after.false_positive === true) return null;
  if (msg.type === 'update' && sameSet(before.entered_zones, after.entered_zones)) return null;
  const seconds =
    msg.type === 'new'
      ? after.start_time
      : msg.type === 'end'
        ? (after.end_time ?? after.frame_time ?? after.start_time)
        : (after.frame_time ?? after.start_time);
  const newZones = after.entered_zones.filter((z) => !before.entered_zones.includes(z));
  const what = subLabel(after.sub_label) ? `${after.label} (${subLabel(after.sub_label)})` : after.label;
  const description =
    msg.type === 'new'
      ? `${what} detected${after.current_zones.length ? ` in ${after.current_zones.join(', ')}` : ''}`
      : msg.type === 'update'
        ? `${what} entered ${newZones.length ? newZones.join(', ') : after.current_zones.join(', ') || 'a zone'}`
        : `${what} no longer tracked`;
  return {
    payload: {
      cameraId,
      seenAt: new Date(seconds * 1000).toISOString(),
      operator: 'frigate',
      description,
      frigate: {
        eventId: after.id,
        phase: msg.type,
        label: after.label,
        subLabel: subLabel(after.sub_label),
        currentZones: [...after.current_zones],
        enteredZones: [...after.entered_zones],
        topScore: after.top_score ?? null,
      },
    },
    dedupe: `frigate:${after.id}:${msg.type}:${[...after.entered_zones].sort().join(',')}`,
    ref: `frigate:${after.id}`,
  };
}

/**
 * Turns Frigate's object events (journaled as `frigate.event` by the broker, validated) into
 * `cctv.sighting`s on our cameras, through `cctv.frigateCameras`. A Frigate camera with no
 * mapping is logged once; its events stay in the journal as they came.
 */
export class FrigateBridge {
  private readonly unmapped = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly mapping: Readonly<Record<string, string>>,
    private readonly journal: Journal,
    private readonly log: Logger,
  ) {}

  onCommitted(events: readonly JournalEvent[]): void {
    for (const e of events) {
      if (e.type !== 'frigate.event') continue;
      const msg = FrigateEvent.safeParse(e.payload);
      if (!msg.success) continue; // validated on the way in; only an erased payload gets here
      const cameraId = this.mapping[msg.data.after.camera];
      if (!cameraId) {
        if (!this.unmapped.has(msg.data.after.camera))
          this.log.warn({ frigateCamera: msg.data.after.camera }, 'Frigate camera not in cctv.frigateCameras; its events are not sightings');
        this.unmapped.add(msg.data.after.camera);
        continue;
      }
      const s = frigateSighting(msg.data, cameraId);
      if (!s) continue;
      const p = this.journal
        .append({ source: 'frigate', type: 'cctv.sighting', subject: `camera:${cameraId}`, ref: s.ref, dedupe: s.dedupe, payload: s.payload })
        .catch((err: unknown) => this.log.error({ err, cameraId }, 'could not journal a Frigate sighting'));
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
