import CoT from '@tak-ps/node-cot/dist/index.js';
import { describe, expect, it } from 'vitest';
import { cotDocument, incidentCot, trackCot } from '../../gateway/tracking/cot';
import { incidentEido } from '../../gateway/tracking/eido';
import { exteriorRing, incidentGeoJson, trackGeoJson } from '../../gateway/tracking/geojson';
import type { IncidentRecord } from '../../gateway/tracking/incident';
import { fuse, type Track } from '../../gateway/tracking/track';
import { sighting, town } from './fixtures';
import { geoJsonProblems } from './geojson-check';

const NOW = Date.parse('2026-03-02T15:00:00Z');

function track(): Track {
  const seen = [
    { ...sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-013' }, { kind: 'shop' }), description: 'Grey hoodie, took razors <£50 & ran>' },
    sighting('2026-03-02T14:03:00Z', { cameraId: 'cam-04' }),
    sighting('2026-03-02T14:06:00Z', { lonLat: [-1.148, 52.9526] }, { kind: 'radio' }),
  ];
  let t: Track | null = null;
  for (const s of seen) t = fuse(t, { ...s, subjectId: 'subj-1' }).track;
  return t!;
}

function incident(t: Track): IncidentRecord {
  return {
    incidentId: 'inc-br-1',
    category: 'cbo-breach',
    description: 'CBO breached in Bus Station',
    zone: 'bus-station',
    position: [-1.148, 52.9526],
    premisesId: null,
    subjectId: 'subj-1',
    reportedAt: t.sightings[2]!.at,
    origin: { kind: 'breach', ref: 'br-1' },
    state: 'on-scene',
    openedAt: Date.parse('2026-03-02T14:06:01Z'),
    grade: { id: 'immediate', label: 'Grade 1 - Immediate', targetMinutes: 10 },
    units: [
      {
        unitId: 'unit-02',
        callsign: 'PC 2781',
        issi: 2002,
        msgId: 'm1',
        dispatchedAt: Date.parse('2026-03-02T14:07:00Z'),
        dispatchedBy: 'controller',
        travelSeconds: 200,
        rank: 1,
        receipt: 'delivered',
        arrivedAt: Date.parse('2026-03-02T14:10:00Z'),
      },
    ],
    dispatchedAt: Date.parse('2026-03-02T14:07:00Z'),
    onSceneAt: Date.parse('2026-03-02T14:10:00Z'),
    responseSeconds: 180,
    withinTarget: true,
    closedAt: null,
    outcome: null,
    history: [
      { state: 'reported', at: Date.parse('2026-03-02T14:06:01Z'), actor: null },
      { state: 'graded', at: Date.parse('2026-03-02T14:06:30Z'), actor: 'controller' },
    ],
  };
}

/** The `<event>`s inside a `<events>` document. */
const events = (doc: string) => [...doc.matchAll(/<event [\s\S]*?<\/event>/g)].map((m) => m[0]);

describe('GeoJSON (RFC 7946)', () => {
  it('a track is a valid FeatureCollection: a point per sighting, [lon, lat], and the path', () => {
    const t = track();
    const doc = JSON.parse(JSON.stringify(trackGeoJson(t, 'Jordan Reece'))) as {
      features: Array<{ geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }>;
    };
    expect(geoJsonProblems(doc)).toEqual([]);
    expect(doc.features.map((f) => f.geometry.type)).toEqual(['Point', 'Point', 'Point', 'LineString']);
    expect(doc.features[0]!.geometry.coordinates).toEqual([-1.147614, 52.955899]); // longitude first
    expect(doc.features[3]!.geometry.coordinates).toEqual(t.sightings.map((s) => s.position));
    expect(doc.features[0]!.properties).toMatchObject({ kind: 'sighting', source: 'shop', zone: 'victoria-centre', premisesId: 'prem-013' });
  });

  it('an incident adds its point and its zone, a closed anticlockwise ring', () => {
    const t = track();
    const zone = town.zones.find((z) => z.id === 'bus-station')!;
    const doc = incidentGeoJson(incident(t), zone, t, 'Jordan Reece');
    expect(geoJsonProblems(doc)).toEqual([]);
    expect(doc.features.map((f) => f.properties.kind)).toEqual(['incident', 'zone', 'sighting', 'sighting', 'sighting', 'track']);
    // A clockwise ring from the config comes out anticlockwise, still closed.
    const clockwise = [...zone.polygon].reverse();
    expect(exteriorRing(clockwise)).toEqual(exteriorRing(zone.polygon));
    expect(
      geoJsonProblems({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [clockwise] } }] }),
    ).toEqual(['features[0].geometry.coordinates[0]: exterior ring is not anticlockwise']);
  });
});

describe('Cursor-on-Target', () => {
  it('parses with node-cot: a-h-G points where the sightings are, and a u-d-f line through them', () => {
    const t = track();
    const doc = cotDocument(trackCot(t, 'Jordan Reece', { nowMs: NOW }));
    expect(doc.startsWith('<?xml')).toBe(true);
    const parsed = events(doc).map((x) => new CoT(x).to_geojson());
    expect(parsed.map((f) => f.properties.type)).toEqual(['a-h-G', 'a-h-G', 'a-h-G', 'u-d-f']);
    t.sightings.forEach((s, i) => {
      const [lon, lat] = parsed[i]!.geometry.coordinates as number[];
      expect([lon, lat]).toEqual(s.position);
      expect(parsed[i]!.properties.start).toBe(new Date(s.atMs).toISOString());
      expect(parsed[i]!.properties.callsign).toBe('Jordan Reece');
    });
    expect(parsed[0]!.properties.remarks).toContain('took razors <£50 & ran>'); // escaped on the wire, intact when parsed
    expect(parsed[3]!.geometry).toEqual({ type: 'LineString', coordinates: t.sightings.map((s) => s.position) });
    expect(Date.parse(parsed[3]!.properties.stale)).toBeGreaterThan(NOW);
  });

  it('an incident is a map marker, followed by the subject track', () => {
    const t = track();
    const parsed = incidentCot(incident(t), t, 'Jordan Reece', { nowMs: NOW }).map((x) => new CoT(x).to_geojson());
    expect(parsed.map((f) => f.properties.type)).toEqual(['b-m-p-s-m', 'a-h-G', 'a-h-G', 'a-h-G', 'u-d-f']);
    expect(parsed[0]!.geometry.coordinates.slice(0, 2)).toEqual([-1.148, 52.9526]);
  });
});

describe('NENA EIDO', () => {
  it('links its components by $id/$ref and places the incident as a PIDF-LO point', () => {
    const t = track();
    const eido = incidentEido(incident(t), {
      nowMs: NOW,
      siteId: 'demo-town',
      zoneName: 'Bus Station',
      premisesName: null,
      person: { subjectId: 'subj-1', name: 'Jordan Reece', description: 'grey hoodie' },
    }) as Record<string, unknown> & {
      incidentComponent: Record<string, unknown> & { locationReference: Array<{ $ref: string }>; personReference: Array<{ $ref: string }> };
      locationComponent: Array<{ $id: string; locationByValue: string }>;
      personComponent: Array<{ $id: string; personIncidentRoleRegistryText: string[] }>;
      emergencyResourceComponent: Array<{ emergencyResourceName: string; primaryUnitStatusRegistryText: string }>;
    };
    expect(eido).toMatchObject({ eidoVersion: '1.0', issuingElementIdentification: 'townwatch.demo-town' });
    expect(eido.incidentComponent).toMatchObject({
      internalIncidentId: 'inc-br-1',
      incidentTypeCommonRegistryText: 'Court Order Violation',
      incidentStatusCommonRegistryText: ['OnScene'],
      incidentPriorityInternalText: 'Grade 1 - Immediate',
    });
    const ids = new Set([...eido.locationComponent, ...eido.personComponent].map((c) => c.$id));
    for (const r of [...eido.incidentComponent.locationReference, ...eido.incidentComponent.personReference]) expect(ids.has(r.$ref)).toBe(true);
    expect(eido.locationComponent[0]!.locationByValue).toContain('<gml:pos>52.9526 -1.148</gml:pos>'); // GML: latitude first
    expect(eido.personComponent[0]!.personIncidentRoleRegistryText).toEqual(['Suspect']);
    expect(eido.emergencyResourceComponent).toEqual([expect.objectContaining({ emergencyResourceName: 'PC 2781', primaryUnitStatusRegistryText: 'OnScene' })]);
  });
});
