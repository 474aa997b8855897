import { describe, expect, it } from 'vitest';
import type { Principal } from '../../gateway/auth/accounts';
import { decidePublish } from '../../gateway/broker/acl';
import { frigateSighting } from '../../gateway/cctv/frigate-bridge';
import { fovRing } from '../../gateway/cctv/geojson';
import { validateInbound } from '../../gateway/ingest';
import { matchTopic } from '../../gateway/contract/topics';
import { Viewer } from '../../gateway/cctv/viewer';
import type { Segment } from '../../devices/cctv/mpegts';
import type { WebSocket } from 'ws';

// The CCTV pieces that need no camera; test/gateway/cctv.test.ts runs them end to end.
describe('CCTV rules', () => {
  const cameraSystem: Principal = {
    username: 'cctv',
    role: 'camera-system',
    consoleRole: null,
    issi: null,
    issiRanges: [],
    premisesId: null,
    dockId: null,
    talkgroups: [],
  };

  it('lets only camera systems publish Frigate’s fixed topic, and nothing else outside tw/v1/', () => {
    expect(decidePublish(cameraSystem, 'frigate/events')).toMatchObject({ kind: 'allow', match: { spec: { name: 'frigate.event' } } });
    expect(decidePublish({ ...cameraSystem, role: 'shop-terminal', premisesId: 'prem-001' }, 'frigate/events')).toMatchObject({ kind: 'deny' });
    expect(decidePublish(cameraSystem, 'frigate/front_door/person')).toMatchObject({ kind: 'deny', reason: 'topic outside tw/v1/' });
  });

  it('ignores false positives, and updates that enter no new zone', () => {
    const o = { id: 'e1', camera: 'front_door', label: 'car', start_time: 1, end_time: null, current_zones: [], entered_zones: [] };
    expect(frigateSighting({ type: 'new', before: o, after: { ...o, false_positive: true } }, 'cam-01')).toBeNull();
    expect(frigateSighting({ type: 'update', before: o, after: { ...o, current_zones: ['a'] } }, 'cam-01')).toBeNull();
    expect(frigateSighting({ type: 'update', before: o, after: { ...o, entered_zones: ['a'] } }, 'cam-01')?.payload.description).toBe('car entered a');
  });

  it('draws a 360° view as a closed counterclockwise circle', () => {
    const ring = fovRing({ position: [-1.15, 52.955], bearingDeg: 0, fovDeg: 360, rangeM: 50 });
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    const area = ring.slice(0, -1).reduce((a, [x1, y1], i) => a + x1 * ring[i + 1]![1] - ring[i + 1]![0] * y1, 0);
    expect(area).toBeGreaterThan(0);
  });

  it('quarantines a message for a camera that is not configured, before looking at its payload', () => {
    const known = { cameraId: new Set(['cam-01']) };
    expect(validateInbound(matchTopic('tw/v1/cctv/cam-09/fault'), Buffer.from('not json'), known)).toEqual({
      ok: false,
      kind: 'unknown-id',
      reason: 'camera "cam-09" is not configured',
    });
    expect(validateInbound(matchTopic('tw/v1/cctv/cam-01/fault'), Buffer.from(JSON.stringify({ operator: 'op', fault: 'dark' })), known)).toMatchObject({
      ok: true,
      subject: 'camera:cam-01',
    });
  });

  it('starts a viewer at a group of pictures, skips for a slow one, resumes at the next group, and drops one that never catches up', () => {
    // A socket whose queue the test drains by hand: the policy, not TCP, is under test here.
    const sent: Buffer[] = [];
    const ws = {
      bufferedAmount: 0,
      send: (d: Buffer) => {
        sent.push(d);
        ws.bufferedAmount += d.length;
      },
    };
    const v = new Viewer(ws as unknown as WebSocket, { maxBufferBytes: 10_000, slowDropMs: 5000 });
    const seg = (keyframe: boolean): Segment => ({
      data: Buffer.alloc(188 * 20, 0x47),
      keyframe,
      format: keyframe ? { width: 320, height: 240 } : null,
      pictures: 1,
    });
    expect(v.deliver(seg(false), 0)).toBe('waiting');
    expect(v.deliver(seg(true), 0)).toBe('sent');
    expect(sent[0]!.toString('latin1', 0, 4)).toBe('jsmp');
    let now = 0;
    let peak = 0;
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push(v.deliver(seg(i % 10 === 9), (now += 100)));
      peak = Math.max(peak, ws.bufferedAmount);
      if (i >= 20) ws.bufferedAmount = 0; // the viewer catches up
    }
    expect(peak).toBeLessThanOrEqual(10_000 + 188 * 20); // the bound, plus at most one segment
    expect(outcomes.slice(0, 3)).toEqual(['sent', 'sent', 'skipped']);
    const resumed = outcomes.indexOf('sent', 21);
    expect(resumed).toBe(29); // the next group of pictures after the backlog cleared
    expect(outcomes.slice(21, 29).every((o) => o === 'skipped')).toBe(true);
    ws.bufferedAmount = 1e6; // stuck for good
    const late = Array.from({ length: 60 }, () => v.deliver(seg(false), (now += 100)));
    expect(late.at(-1)).toBe('too-slow');
  });
});
