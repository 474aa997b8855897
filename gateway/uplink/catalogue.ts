/**
 * Every event type the gateway journals, with what in it can identify or locate a person: the
 * header's `subject` when it names one (`subject:<id>`, hashed into the chain, so it cannot be
 * minimised), the payload fields that name or describe a person, and the positions. The uplink
 * test (test/uplink/catalogue.test.ts) walks this list against the uplink rules, and fails on a
 * type whose personal data would leave the site for an unshared subject; it also fails when the
 * gateway journals a type that is not listed here, so a new event type must be thought about.
 */

export interface CatalogueEntry {
  /** `subject` when the header's subject is `subject:<id>` (a person); `other` for devices, premises, accounts. */
  header: 'subject' | 'other' | 'none';
  /** Dotted payload paths naming or describing a person (a subject, a wearer, an operator, a user). */
  personal: readonly string[];
  /** Dotted payload paths holding a position: `{lat, lon}` (`.` for the payload itself) or a `[lon, lat]` pair. */
  positions: readonly string[];
}

const e = (header: CatalogueEntry['header'], personal: string[] = [], positions: string[] = []): CatalogueEntry => ({ header, personal, positions });

const TRACK_SUMMARY = (p: string) => [`${p}.subjectId`, `${p}.trackId`];

export const EVENT_CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  // Devices over MQTT (gateway/contract/topics.ts).
  'alert.delivery': e('other'),
  'journal.coalesced': e('none'),
  'tak.client-connected': e('none', ['address']),
  'radio.position': e('other', [], ['.']),
  'radio.ptt': e('other'),
  'radio.status': e('other'),
  'radio.emergency': e('other'),
  'radio.text': e('other', ['text']),
  'radio.receipt': e('other'),
  'radio.presence': e('other'),
  'shop.report': e('other', ['subjectId', 'description', 'media'], ['place.lonLat']),
  'cctv.sighting': e('other', ['subjectId', 'description', 'operator', 'snapshotRef']),
  'cctv.bookmark': e('other', ['operator', 'note']),
  'cctv.fault': e('other', ['operator']),
  'frigate.event': e('other'),
  // Tracking (gateway/tracking/watch.ts).
  'sighting.reported': e('subject', ['subjectId', 'description', 'media', 'operator', 'unitId'], ['place.lonLat']),
  'sighting.linked': e('subject', ['subjectId']),
  'track.sighting': e(
    'subject',
    ['sighting.subjectId', 'sighting.description', 'sighting.reporter', 'sighting.media', ...TRACK_SUMMARY('before'), ...TRACK_SUMMARY('after')],
    ['sighting.position', 'before.last.position', 'after.last.position'],
  ),
  'track.ended': e('subject', ['subjectId', ...TRACK_SUMMARY('before'), ...TRACK_SUMMARY('after')], ['before.last.position', 'after.last.position']),
  'breach.detected': e('subject', ['subjectId', 'sightingId'], ['position']),
  'breach.acknowledged': e('subject', ['note']),
  'incident.reported': e('subject', ['subjectId', 'description'], ['position']),
  'incident.graded': e('none'),
  'incident.dispatched': e('other'),
  'incident.on-scene': e('other'),
  'incident.closed': e('none', ['note']),
  // Subjects and orders (gateway/api/subjects-api.ts).
  'subject.created': e('subject', ['subjectId', 'name', 'aliases', 'description', 'dob', 'photoRef', 'markers']),
  'subject.updated': e('subject', ['subjectId', 'changes.name', 'changes.description', 'changes.photoRef', 'changes.dob']),
  'subject.viewed': e('subject', ['subjectId']),
  'cbo.warning': e('subject', ['terms.subjectId', 'terms.conditions', 'terms.excludedAreas']),
  'cbo.issued': e('subject', ['terms.subjectId', 'terms.conditions', 'terms.excludedAreas']),
  'cbo.extended': e('subject', ['cboId']),
  'cbo.revoked': e('subject', ['cboId']),
  'cbo.expired': e('subject', ['subjectId']),
  // Evidence (gateway/evidence, devices/dock).
  'evidence.offered': e('other', ['wearer', 'name', 'path'], ['gps']),
  'evidence.received': e('other', ['wearer', 'name', 'path'], ['gps']),
  'evidence.verified': e('other', ['wearer', 'name', 'path'], ['gps']),
  'evidence.hash-mismatch': e('other', ['name']),
  'evidence.erase-permitted': e('other', ['fileNo']),
  'evidence.deleted': e('other', ['path']),
  'evidence.hold': e('other', ['reason']),
  'evidence.marked-evidential': e('other'),
  'evidence.viewed': e('other'),
  'evidence.exported': e('other', ['out']),
  'evidence.uplinked': e('other'),
  'evidence.bundle-downloaded': e('other'),
  'evidence.alarm-acknowledged': e('other', ['note']),
  'evidence.clock-distrusted': e('other'),
  'evidence.storage-full': e('other', ['name']),
  'dock.event': e('other'),
  'dock.link': e('other'),
  // Radio, alerts, units.
  'alert.sent': e('none', ['text']),
  'alert.pei-sent': e('none'),
  'alert.timed-out': e('none'),
  'emergency.acknowledged': e('other'),
  'emergency.resolved': e('other', ['note']),
  'unit.lost-contact': e('other', [], ['last']),
  'radio.link': e('other'),
  // Cameras and video.
  'camera.online': e('other'),
  'camera.offline': e('other'),
  'video.view-started': e('other'),
  'video.view-ended': e('other'),
  // People using the gateway, and its security record.
  'auth.login': e('none', ['ip']),
  'auth.logout': e('none'),
  'mqtt.connected': e('other', ['username']),
  'mqtt.disconnected': e('other', ['username']),
  'security.connect-refused': e('other', ['username']),
  'security.connection-rate-limited': e('none', ['address']),
  'security.malformed-string': e('other', ['username', 'address']),
  'security.lockout': e('other', ['key', 'ip']),
  'security.login-failed': e('other', ['username', 'ip']),
  'security.oversize-packet': e('none'),
  'security.protocol-error': e('other', ['username']),
  'security.publish-denied': e('other', ['username']),
  'security.subscribe-denied': e('other', ['username']),
  'quarantine.message': e('other', ['raw', 'rawHex']),
  'hotspots.viewed': e('none'),
  'export.created': e('other'),
  'state.time-travel': e('none'),
  'journal.payload-erased': e('none'),
};
