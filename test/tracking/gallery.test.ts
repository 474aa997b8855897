import { describe, expect, it } from 'vitest';
import { hotspots, type HotspotItem } from '../../gateway/tracking/hotspots';
import { accessTo, searchSubjects, subjectView, type SubjectRecord } from '../../gateway/tracking/gallery';
import { cbo, TZ } from './fixtures';

function subject(id: string, extra: Partial<SubjectRecord>): SubjectRecord {
  return {
    id,
    status: 'known',
    name: null,
    aliases: [],
    dob: null,
    photoRef: null,
    description: '',
    features: [],
    markers: [],
    sharedWithMembers: false,
    sharedRegionally: false,
    createdAt: 0,
    updatedAt: 0,
    createdBy: 'police',
    ...extra,
  };
}

const reece = subject('subj-1', {
  name: 'Jordan Reece',
  aliases: ['JJ'],
  dob: '1994-05-01',
  photoRef: 'photos/subj-1.jpg',
  description: 'Slim white male, 30s, grey hoodie, black cap',
  features: ['build:slim', 'hair:brown'],
  markers: ['violent'],
  sharedWithMembers: true,
});
const sought = subject('subj-2', { status: 'sought', description: 'Woman in red coat, walks with a limp', features: ['coat:red'] });

describe('who sees what of a subject', () => {
  it('gives the full record to the roles that act on it, the shared part to members, nothing to engineers', () => {
    expect(['controller', 'police', 'security-manager', 'cctv-operator', 'member', 'engineer'].map((r) => accessTo(r as never, reece))).toEqual([
      'full',
      'full',
      'full',
      'full',
      'shared',
      null,
    ]);
    expect(accessTo('member', sought)).toBeNull(); // not shared with members
  });

  it('a member sees description, photo and the issued orders shared with them, never identity or markers', () => {
    const orders = [cbo(), cbo({ id: 'cbo-2', state: 'warning' }), cbo({ id: 'cbo-3', sharedWithMembers: false })];
    const v = subjectView(reece, 'shared', orders);
    expect(v).toMatchObject({ description: reece.description, photoRef: 'photos/subj-1.jpg', access: 'shared' });
    for (const k of ['name', 'aliases', 'dob', 'markers']) expect(v).not.toHaveProperty(k);
    expect(JSON.stringify(v)).not.toMatch(/Jordan|Reece|JJ|1994|violent/);
    expect(v.cbos.map((c) => c.id)).toEqual(['cbo-1']);
    expect(v.cbos[0]).toMatchObject({ excludedZones: ['bus-station'], conditions: expect.stringContaining('Bus Station') as string });
    const full = subjectView(reece, 'full', orders);
    expect(full).toMatchObject({ name: 'Jordan Reece', aliases: ['JJ'], dob: '1994-05-01', markers: ['violent'] });
    expect(full.cbos).toHaveLength(3);
  });
});

describe('searching the gallery', () => {
  const all = [reece, sought];
  const as = (role: string) => (s: SubjectRecord) => accessTo(role as never, s);

  it('by description words (as prefixes) and by features', () => {
    expect(searchSubjects(all, { text: 'grey hood' }, as('controller')).map((s) => s.id)).toEqual(['subj-1']);
    expect(searchSubjects(all, { features: ['coat:red'] }, as('controller')).map((s) => s.id)).toEqual(['subj-2']);
    expect(searchSubjects(all, { text: 'limp', features: ['build:slim'] }, as('controller'))).toEqual([]);
    expect(searchSubjects(all, {}, as('controller'))).toHaveLength(2);
  });

  it('by name only for roles that may see names: a member searching a name learns nothing', () => {
    expect(searchSubjects(all, { text: 'reece' }, as('police')).map((s) => s.id)).toEqual(['subj-1']);
    expect(searchSubjects(all, { text: 'reece' }, as('member'))).toEqual([]);
    expect(searchSubjects(all, { text: 'hoodie' }, as('member')).map((s) => s.id)).toEqual(['subj-1']);
    expect(searchSubjects(all, { text: 'limp' }, as('member'))).toEqual([]); // not shared
  });
});

describe('hotspots', () => {
  const item = (kind: HotspotItem['kind'], zone: string, at: string, subjectId: string | null = null, premisesId: string | null = null): HotspotItem => ({
    kind,
    zone,
    atMs: Date.parse(at),
    subjectId,
    premisesId,
  });

  it('counts per zone and local hour of the week, and ranks prolific subjects by how many premises report them', () => {
    const items = [
      item('incident', 'victoria-centre', '2026-07-10T13:10:00Z', 'subj-1', 'prem-013'), // Friday 14:10 BST
      item('sighting', 'victoria-centre', '2026-07-10T13:50:00Z', 'subj-1', 'prem-012'),
      item('sighting', 'bus-station', '2026-07-11T22:30:00Z', 'subj-1'), // Saturday 23:30 BST
      item('incident', 'market-square', '2026-07-10T09:00:00Z', 'subj-2', 'prem-001'),
      item('sighting', 'market-square', '2026-07-10T09:05:00Z', 'subj-2', 'prem-001'),
      item('sighting', 'market-square', '2026-07-10T09:10:00Z', 'subj-2', 'prem-001'),
      item('incident', 'castle-walk', '2026-06-01T12:00:00Z'), // before the period
    ];
    const h = hotspots(items, Date.parse('2026-07-06T00:00:00Z'), Date.parse('2026-07-13T00:00:00Z'), TZ);
    expect(h.cells[0]).toEqual({ zone: 'market-square', hourOfWeek: 4 * 24 + 10, day: 'fri', hour: 10, incidents: 1, sightings: 2 });
    expect(h.cells).toContainEqual({ zone: 'victoria-centre', hourOfWeek: 4 * 24 + 14, day: 'fri', hour: 14, incidents: 1, sightings: 1 });
    expect(h.cells).toContainEqual({ zone: 'bus-station', hourOfWeek: 5 * 24 + 23, day: 'sat', hour: 23, incidents: 0, sightings: 1 });
    expect(h.zones.map((z) => [z.zone, z.total])).toEqual([
      ['market-square', 3],
      ['victoria-centre', 2],
      ['bus-station', 1],
    ]);
    // subj-1: two premises over three events beats subj-2: one premises over three.
    expect(h.prolific.map((p) => [p.subjectId, p.premises, p.incidents + p.sightings])).toEqual([
      ['subj-1', 2, 3],
      ['subj-2', 1, 3],
    ]);
  });
});
