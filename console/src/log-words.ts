import type { ConsoleEvent } from '../../gateway/contract/socket';
import type { Ctx } from './context';
import { categoryName, outcomeName, statusName } from './names';

type P = Record<string, unknown>;

/** What happened, in the words of a control room: the Live log's type column. */
const TYPE_WORDS: Record<string, string> = {
  'radio.status': 'Status',
  'radio.text': 'Text from radio',
  'radio.receipt': 'Radio receipt',
  'radio.ptt': 'Talk',
  'radio.emergency': 'Emergency button',
  'radio.presence': 'Radio online/offline',
  'radio.link': 'Control station link',
  'alert.sent': 'Alert sent',
  'alert.pei-sent': 'Sent over TETRA',
  'alert.delivery': 'Not delivered yet',
  'alert.timed-out': 'No receipt',
  'message.read': 'Texts read',
  'emergency.raised': 'EMERGENCY',
  'emergency.repeat': 'Emergency pressed again',
  'emergency.realert': 'Emergency re-alert',
  'emergency.acknowledged': 'Emergency acknowledged',
  'emergency.resolved': 'Emergency resolved',
  'unit.lost-contact': 'Lost contact',
  'shop.report': 'Shop report',
  'cctv.sighting': 'CCTV sighting',
  'cctv.bookmark': 'CCTV bookmark',
  'cctv.fault': 'Camera fault',
  'evidence.clip-recorded': 'CCTV clip recorded',
  'evidence.previewed': 'Footage played',
  'sighting.reported': 'Sighting',
  'sighting.linked': 'Sighting linked',
  'breach.detected': 'ORDER BREACH',
  'breach.acknowledged': 'Breach acknowledged',
  'incident.reported': 'Incident opened',
  'incident.graded': 'Incident graded',
  'incident.dispatched': 'Unit dispatched',
  'incident.on-scene': 'Unit on scene',
  'incident.closed': 'Incident closed',
  'subject.created': 'Subject added',
  'subject.updated': 'Subject updated',
  'subject.viewed': 'Subject looked up',
  'subject.shared': 'Subject shared with members',
  'subject.withdrawn': 'Subject withdrawn from members',
  'subject.share-expired': 'Share with members expired',
  'subject.watched': 'Subject put on the watch list',
  'subject.unwatched': 'Subject taken off the watch list',
  'subject.photo-set': 'Subject photo stored',
  'cbo.warning': 'Warning recorded',
  'cbo.issued': 'Order issued',
  'cbo.extended': 'Order extended',
  'cbo.revoked': 'Order revoked',
  'cbo.expired': 'Order expired',
  'camera.online': 'Camera online',
  'camera.offline': 'Camera offline',
  'video.view-started': 'Watching camera',
  'video.view-ended': 'Stopped watching',
  'auth.login': 'Logged in',
  'auth.logout': 'Logged out',
  'user.created': 'Person added',
  'user.changed': 'Person changed',
  'user.disabled': 'Account disabled',
  'user.enabled': 'Account enabled',
  'user.password-reset': 'Temporary password set',
  'user.password-changed': 'Password chosen',
};

export function typeWords(type: string): string {
  return TYPE_WORDS[type] ?? type;
}

/** A payload field as text; anything not a plain value says nothing. */
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const quote = (v: unknown, n = 80) => `“${str(v).slice(0, n)}”`;

/**
 * One line a person reads: callsigns instead of ISSIs, status labels instead of 16-bit values,
 * talkgroup, camera, zone and premises names instead of ids. Anything not known in words falls
 * back to the few fields that say the most.
 */
export function describeEvent(ctx: Ctx, e: ConsoleEvent): string {
  const p = (e.payload ?? {}) as P;
  const site = ctx.store.site;
  const unit =
    typeof p.issi === 'number'
      ? (ctx.store.unitByIssi(p.issi)?.callsign ?? `radio ${p.issi}`)
      : typeof p.unitId === 'string'
        ? ctx.store.callsign(p.unitId)
        : null;
  const zone = (id: unknown) => (typeof id === 'string' ? (site?.zones.find((z) => z.id === id)?.name ?? id) : null);
  const camera = (id: unknown) => (typeof id === 'string' ? (site?.cameras.find((c) => c.id === id)?.name ?? id) : null);
  const premises = (id: unknown) => (typeof id === 'string' ? (site?.premises.find((x) => x.id === id)?.name ?? id) : null);
  const talkgroup = (gssi: unknown) => site?.talkgroups.find((t) => t.gssi === gssi)?.name ?? `talkgroup ${String(gssi)}`;
  const recipients = Array.isArray(p.recipients) ? p.recipients.length : 0;
  const reference = typeof p.incidentId === 'string' ? (ctx.store.tracking.incidents.get(p.incidentId)?.reference ?? null) : null;
  switch (e.type) {
    case 'radio.status':
      return `${unit}: ${typeof p.value === 'number' ? statusName(ctx, p.value) : 'status'}`;
    case 'radio.text':
      return `${unit}: ${quote(p.text)}`;
    case 'radio.receipt':
      return `${unit} ${p.status === 'read' ? 'read' : p.status === 'failed' ? 'could not take' : 'received'} a message`;
    case 'radio.ptt':
      return `${unit} ${p.state === 'start' ? 'talking on' : 'stopped talking on'} ${talkgroup(p.talkgroup)}`;
    case 'radio.emergency':
      return `${unit} ${p.state === 'cancelled' ? 'cancelled the emergency' : 'pressed the emergency button'}`;
    case 'radio.presence':
      return `${unit} ${p.online ? 'online' : 'offline'}`;
    case 'radio.link':
      return `control station ${str(p.station)} link ${str(p.state)}${p.reason ? `: ${str(p.reason)}` : ''}`;
    case 'alert.sent':
      return `${p.kind === 'text' ? 'Text to' : `${str(p.priority)} alert to`} ${p.kind === 'text' && Array.isArray(p.units) ? p.units.map((u) => ctx.store.callsign(String(u))).join(', ') : `${recipients} radios`}: ${quote(p.text)}`;
    case 'alert.delivery':
    case 'alert.timed-out':
      return `${unit ?? (Array.isArray(p.unitIds) ? p.unitIds.map((u) => ctx.store.callsign(String(u))).join(', ') : '')}${p.reason ? `: ${str(p.reason)}` : ''}`;
    case 'message.read':
      return `conversation with ${unit} read`;
    case 'emergency.raised':
    case 'emergency.repeat':
    case 'emergency.realert':
    case 'emergency.acknowledged':
      return `${unit ?? ''}${p.trigger ? ` (${p.trigger === 'button' ? 'emergency button' : str(p.trigger)})` : ''}`;
    case 'emergency.resolved':
      return `${unit ?? ''}: ${str(p.outcome ?? '')}${p.note ? ` — ${str(p.note)}` : ''}`;
    case 'shop.report':
      return `${premises(p.premisesId)}: ${categoryName(str(p.category))}, ${quote(p.description, 60)}`;
    case 'cctv.sighting':
    case 'cctv.bookmark':
    case 'cctv.fault':
    case 'camera.online':
    case 'camera.offline':
    case 'video.view-started':
    case 'video.view-ended':
      return [camera(p.cameraId), typeof p.note === 'string' ? quote(p.note, 60) : null].filter(Boolean).join(': ');
    case 'evidence.clip-recorded':
      return `${camera(p.cameraId)}: ${str(p.name)}, ${str(p.seconds)} s${typeof p.incidentId === 'string' ? ` for ${ctx.store.tracking.incidents.get(p.incidentId)?.reference ?? p.incidentId}` : ''}`;
    case 'incident.dispatched':
    case 'incident.on-scene':
      return [reference, unit, zone(p.zone)].filter(Boolean).join(' · ');
    case 'incident.reported':
    case 'incident.graded':
    case 'incident.closed': {
      // The number people quote, then what the default would say.
      const grade = typeof p.grade === 'object' && p.grade !== null ? str((p.grade as P).label) : '';
      const bits = [reference, zone(p.zone), premises(p.premisesId), grade, typeof p.category === 'string' ? categoryName(p.category) : null];
      if (typeof p.outcome === 'string') bits.push(outcomeName(p.outcome));
      if (typeof p.note === 'string') bits.push(quote(p.note, 80));
      if (typeof p.description === 'string') bits.push(p.description.slice(0, 80));
      return bits.filter(Boolean).join(' · ');
    }
    case 'user.created':
    case 'user.changed':
    case 'user.disabled':
    case 'user.enabled':
    case 'user.password-reset':
    case 'user.password-changed':
      // The person's name where the event has it; the actor column says who did it.
      return [typeof p.displayName === 'string' ? `${p.displayName} (${str(p.username)})` : str(p.username), premises(p.premisesId)]
        .filter(Boolean)
        .join(' · ');
    case 'breach.detected':
      return `seen in ${zone(p.zone) ?? 'an excluded area'}`;
    default: {
      const bits: string[] = unit ? [unit] : [];
      if (typeof p.zone === 'string') bits.push(zone(p.zone)!);
      if (typeof p.premisesId === 'string') bits.push(premises(p.premisesId)!);
      for (const k of ['state', 'status', 'outcome', 'category', 'description']) {
        const v = p[k];
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') bits.push(categoryName(String(v)).slice(0, 80));
      }
      return bits.join(' · ');
    }
  }
}
