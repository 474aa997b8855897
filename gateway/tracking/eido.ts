import { escapeXml } from './cot';
import type { IncidentRecord, IncidentState } from './incident';

/**
 * An incident as a NENA Emergency Incident Data Object (NENA-STA-021, JSON) for hand-off to a
 * police CAD: components linked by `$id`/`$ref`, the place as a PIDF-LO point, our own words
 * kept alongside the registry terms as "internal" text so nothing is lost in translation.
 */

const STATUS: Record<IncidentState, string> = {
  reported: 'Received',
  graded: 'Queued',
  dispatched: 'Dispatched',
  'on-scene': 'OnScene',
  closed: 'Closed',
};

const TYPE: Record<string, string> = {
  theft: 'Theft',
  abuse: 'Disturbance',
  violence: 'Assault',
  suspicious: 'Suspicious Person',
  'cbo-breach': 'Court Order Violation',
  damage: 'Vandalism',
};

export interface EidoContext {
  nowMs: number;
  siteId: string;
  zoneName: string | null;
  premisesName: string | null;
  /** The subject, with the fields the exporting role may see; null when the incident names none. */
  person: { subjectId: string; name: string | null; description: string | null } | null;
}

const ts = (ms: number) => new Date(ms).toISOString();

function pidfLo(lon: number, lat: number, text: string | null): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><location xmlns:gml="http://www.opengis.net/gml">' +
    `<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>${lat} ${lon}</gml:pos></gml:Point>` +
    (text ? `<locationNotes>${escapeXml(text)}</locationNotes>` : '') +
    '</location>'
  );
}

export function incidentEido(i: IncidentRecord, ctx: EidoContext): Record<string, unknown> {
  const now = ts(ctx.nowMs);
  const id = i.incidentId;
  const prologue = (kind: string, n = 0) => ({ $id: `${kind}-${id}${n ? `-${n}` : ''}`, lastUpdateTimeStamp: now });
  const where = [ctx.premisesName, ctx.zoneName].filter(Boolean).join(', ') || null;
  const location = i.position
    ? [
        {
          ...prologue('loc'),
          locationTypeDescriptionRegistryText: 'Incident',
          locationByValue: pidfLo(i.position[0], i.position[1], where),
          locationDescriptionText: where,
        },
      ]
    : [];
  const person = ctx.person
    ? [
        {
          ...prologue('person'),
          personIncidentRoleRegistryText: ['Suspect'],
          personIdentifier: ctx.person.subjectId,
          personDescriptionText: ctx.person.description,
          ...(ctx.person.name ? { ncPersonComponent: { PersonName: { PersonFullName: ctx.person.name } } } : {}),
        },
      ]
    : [];
  const resources = i.units.map((u, n) => ({
    ...prologue('unit', n + 1),
    emergencyResourceTypeCommonRegistryText: 'Law Enforcement Unit',
    emergencyResourceName: u.callsign,
    emergencyResourceTypeInternalText: u.unitId,
    primaryUnitStatusRegistryText: u.arrivedAt !== null ? 'OnScene' : 'Dispatched',
    secondaryUnitStatusRegistryText: [],
    resourceAttributeRegistryText: [],
    eta: u.travelSeconds !== null ? ts(u.dispatchedAt + u.travelSeconds * 1000) : null,
  }));
  const notes = i.history.map((h, n) => ({
    ...prologue('note', n + 1),
    noteDateTimeStamp: ts(h.at),
    noteText: `${h.state}${h.actor ? ` by ${h.actor}` : ''}`,
  }));
  const ref = (xs: Array<{ $id: string }>) => xs.map((x) => ({ $ref: x.$id }));
  return {
    $id: `urn:townwatch:${ctx.siteId}:eido:${id}:${ctx.nowMs}`,
    eidoVersion: '1.0',
    lastUpdateTimeStamp: now,
    issuingElementIdentification: `townwatch.${ctx.siteId}`,
    incidentComponent: {
      ...prologue('inc'),
      incidentTrackingIdentifier: id,
      internalIncidentId: id,
      incidentTypeCommonRegistryText: TYPE[i.category] ?? 'Other',
      incidentTypeInternalText: i.category,
      incidentStatusCommonRegistryText: [STATUS[i.state]],
      incidentStatusInternalText: [i.state],
      incidentPriorityInternalText: i.grade?.label ?? null,
      incidentDescriptionText: i.description,
      ...(i.outcome ? { dispositionComponent: [{ dispositionCommonRegistryCode: i.outcome, dispositionPrimaryIndicator: true }] } : {}),
      locationReference: ref(location),
      personReference: ref(person),
      notesReference: ref(notes),
    },
    locationComponent: location,
    personComponent: person,
    emergencyResourceComponent: resources,
    dispatchComponent: resources.length ? [{ ...prologue('dispatch'), emergencyResourceReference: ref(resources) }] : [],
    notesComponent: notes,
  };
}
