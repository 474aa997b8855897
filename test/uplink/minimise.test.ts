import { describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../config/load';
import { chainHash, sha256Hex } from '../../gateway/journal/hash';
import type { EventRow } from '../../gateway/journal/rows';
import { GENESIS_HASH } from '../../gateway/journal/types';
import { checkItem } from '../../gateway/region/chain';
import { derive } from '../../gateway/region/derive';
import { buildBatch, MAX_MESSAGE_BYTES } from '../../gateway/uplink/batch';
import { UplinkPolicy } from '../../gateway/uplink/minimise';
import { UplinkMessage, type WireEvent } from '../../gateway/uplink/wire';

/** The pure parts of the uplink: what leaves the site, in what form, and what the region can verify of it. */

const demo = loadConfig(defaultConfigPath);
const policy = new UplinkPolicy(demo.uplink, demo.zones);
const MARKET = { lat: 52.9551234, lon: -1.1502 };

function row(seq: number, type: string, payload: unknown, prevHash = GENESIS_HASH, extra: Partial<EventRow> = {}): EventRow {
  const text = payload === null ? null : JSON.stringify(payload);
  const h = {
    seq,
    id: `01TEST${String(seq).padStart(20, '0')}`,
    ts: 1_800_000_000_000 + seq,
    source: 'test',
    type,
    actor: null,
    subject: null,
    ref: null,
    dedupe: null,
    payloadSha256: sha256Hex(text ?? 'null'),
    prevHash,
    ...extra,
  };
  return {
    seq: h.seq,
    id: h.id,
    ts: h.ts,
    source: h.source,
    type,
    actor: h.actor,
    subject: h.subject,
    ref: h.ref,
    dedupe: h.dedupe,
    payload: text,
    payload_sha256: h.payloadSha256,
    prev_hash: prevHash,
    hash: chainHash(h),
  };
}

describe('what leaves the site', () => {
  it('sends only a chain link for types not on the allow-list', () => {
    expect(policy.outcome('radio.status', '{"value":1}')).toEqual({ kind: 'link' });
    expect(policy.outcome('auth.login', '{"ip":"10.0.0.1"}')).toEqual({ kind: 'link' });
  });

  it('reduces positions to the config zone they fall in', () => {
    const o = policy.outcome('evidence.verified', JSON.stringify({ evidenceId: 'x', gps: MARKET, name: 'FILE1.MP4', wearer: 'SEC 7' }));
    expect(o).toMatchObject({ kind: 'event', mode: 'minimised' });
    if (o.kind !== 'event') return;
    expect(JSON.parse(o.payload!)).toEqual({ evidenceId: 'x', gps: { zone: 'market-square' } });
    expect(o.dropped.sort()).toEqual(['gps.lat', 'gps.lon', 'name', 'wearer']);
    const pair = policy.outcome('sighting.reported', JSON.stringify({ place: { lonLat: [MARKET.lon, MARKET.lat] }, kind: 'cctv' }));
    expect(pair.kind === 'event' && JSON.parse(pair.payload!)).toEqual({ place: { zone: 'market-square' }, kind: 'cctv' });
  });

  it('keeps a person out unless the payload says they are shared regionally', () => {
    const report = { premisesId: 'prem-001', kind: 'sighting', category: 'suspicious', description: 'red cap', subjectId: 's-1' };
    const kept = policy.outcome('shop.report', JSON.stringify(report));
    expect(kept.kind === 'event' && JSON.parse(kept.payload!)).toEqual({ premisesId: 'prem-001', kind: 'sighting', category: 'suspicious' });
    const shared = policy.outcome('shop.report', JSON.stringify({ ...report, sharedRegionally: true }));
    expect(shared).toMatchObject({ kind: 'event', mode: 'full' });
    expect(policy.outcome('subject.created', JSON.stringify({ subjectId: 's-1', name: 'X' }))).toEqual({ kind: 'link' });
    const subject = policy.outcome('subject.created', JSON.stringify({ subjectId: 's-1', name: 'X', photoRef: 'p.jpg', sharedRegionally: true }));
    expect(subject.kind === 'event' && JSON.parse(subject.payload!)).toEqual({ subjectId: 's-1', name: 'X', sharedRegionally: true });
    // An update leaves while the subject is (or was, until this update) shared: the API says so at the top.
    expect(policy.outcome('subject.updated', JSON.stringify({ subjectId: 's-1', changes: { name: 'Y' }, sharedRegionally: true }))).toMatchObject({
      kind: 'event',
    });
    expect(policy.outcome('subject.updated', JSON.stringify({ subjectId: 's-1', changes: { name: 'Y' }, sharedRegionally: false }))).toEqual({ kind: 'link' });
  });

  it('sends an unchanged payload byte for byte, so the region can check its digest', () => {
    const text = '{"incidentId":"i-1",  "category":"theft"}';
    expect(policy.outcome('incident.closed', text)).toEqual({ kind: 'event', mode: 'full', payload: text, dropped: [] });
  });

  it('sends an erased payload as erased, or as a link when sharing can no longer be judged', () => {
    expect(policy.outcome('shop.report', null)).toEqual({ kind: 'event', mode: 'erased', payload: null, dropped: [] });
    expect(policy.outcome('subject.created', null)).toEqual({ kind: 'link' });
    expect(policy.outcome('journal.payload-erased', '{"seq":4,"reason":"retention"}')).toMatchObject({ kind: 'event', mode: 'full' });
  });

  it('withholds a payload when a rule says so', () => {
    const strict = new UplinkPolicy(
      {
        eventTypes: ['alert.*'],
        minimise: [{ types: ['alert.*'], drop: [], zone: [], unlessShared: [], onlyIfShared: false, sharedFlag: 'sharedRegionally', withhold: true }],
      },
      [],
    );
    expect(strict.outcome('alert.sent', '{"text":"x"}')).toEqual({ kind: 'event', mode: 'withheld', payload: null, dropped: [] });
  });
});

describe('uplink batches', () => {
  it('are valid wire messages of consecutive seqs, with a custody record for each evidence event', () => {
    const rows = [
      row(1, 'radio.position', { lat: 1, lon: 1 }),
      row(2, 'evidence.verified', { evidenceId: 'e1', name: 'F.MP4' }, undefined, { ref: 'e1' }),
      row(3, 'evidence.uplinked', { evidenceId: 'e1' }),
    ];
    const b = buildBatch('demo-town', rows, policy, 'region.example:8883')!;
    const msg = UplinkMessage.parse(JSON.parse(b.body));
    expect(msg.events.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'link'],
      [2, 'event'],
      [3, 'event'],
    ]);
    expect(b.custody).toHaveLength(1);
    expect(b.custody[0]).toMatchObject({
      type: 'evidence.uplinked',
      ref: 'e1',
      dedupe: `uplink:${rows[1]!.id}`,
      payload: { seq: 2, payloadMode: 'minimised', dropped: ['name'] },
    });
    expect(b.last).toEqual({ seq: 3, hash: rows[2]!.hash });
  });

  it('stay under the byte cap, but always carry at least one event', () => {
    const big = 'x'.repeat(MAX_MESSAGE_BYTES / 3);
    const rows = [1, 2, 3, 4].map((s) => row(s, 'incident.closed', { big }));
    const b = buildBatch('demo-town', rows, policy, 'h')!;
    expect(b.count).toBe(2);
    expect(b.body.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const huge = buildBatch('demo-town', [row(1, 'incident.closed', { big: 'y'.repeat(MAX_MESSAGE_BYTES) })], policy, 'h')!;
    expect(huge.count).toBe(1);
  });
});

describe('what the region verifies of one event', () => {
  const wire = (r: EventRow, over: Partial<WireEvent> = {}): WireEvent => ({
    kind: 'event',
    seq: r.seq,
    id: r.id,
    ts: r.ts,
    source: r.source,
    type: r.type,
    actor: r.actor,
    subject: r.subject,
    ref: r.ref,
    dedupe: r.dedupe,
    payloadSha256: r.payload_sha256,
    prevHash: r.prev_hash,
    hash: r.hash,
    payloadMode: 'full',
    payload: r.payload,
    ...over,
  });
  const r = row(7, 'incident.closed', { incidentId: 'i-7' });

  it('accepts an untouched event, and a minimised one by its header alone', () => {
    expect(checkItem(wire(r))).toEqual({ hashOk: true, payloadOk: true, breaks: [] });
    expect(checkItem(wire(r, { payloadMode: 'minimised', payload: '{}' }))).toEqual({ hashOk: true, payloadOk: null, breaks: [] });
  });

  it('reports a changed header and a changed payload', () => {
    expect(checkItem(wire(r, { actor: 'mallory' })).breaks.map((b) => b.kind)).toEqual(['hash']);
    expect(checkItem(wire(r, { payload: '{"incidentId":"i-8"}' })).breaks.map((b) => b.kind)).toEqual(['payload']);
  });

  it('indexes subjects, sightings, incidents and breaches from the sites’ own event types', () => {
    expect(
      derive({ seq: 1, ts: 5, type: 'subject.created' }, { subjectId: 's', name: 'N', aliases: ['a'], description: 'd', features: ['f'] }).subject,
    ).toEqual({ subjectId: 's', name: 'N', aliases: ['a'], description: 'd', features: ['f'], ts: 5 });
    expect(
      derive({ seq: 9, ts: 5, type: 'track.sighting' }, { sighting: { subjectId: 's', zone: 'z', causeSeq: 4, description: null } }).sighting,
    ).toMatchObject({ seq: 4, subjectId: 's', zone: 'z' });
    expect(derive({ seq: 2, ts: 5, type: 'shop.report' }, { category: 'theft' })).toEqual({});
    expect(derive({ seq: 3, ts: 5, type: 'incident.reported' }, { incidentId: 'i', category: 'cbo-breach' }).incident).toMatchObject({ breach: true });
    expect(derive({ seq: 3, ts: 5, type: 'journal.payload-erased' }, { seq: 2, reason: 'r' }).erasure).toEqual({ seqs: [2], reason: 'r' });
    // Retention of personal data erases many at once; anything that is not a seq is ignored.
    expect(derive({ seq: 9, ts: 5, type: 'journal.payloads-erased' }, { seqs: [3, 4, 'x', -1, 7], reason: 'r' }).erasure).toEqual({
      seqs: [3, 4, 7],
      reason: 'r',
    });
  });
});
