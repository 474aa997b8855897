import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { transcodeArgs } from '../../../devices/cctv/ffmpeg-args';
import { jsmpHeader, parseJsmpHeader } from '../../../devices/cctv/jsmp';
import { TS_PACKET_SIZE, TsSegmenter, type Segment } from '../../../devices/cctv/mpegts';

let ts: Buffer;
let ffprobeFrames: number;

/** Three seconds of 10 fps test pattern, encoded exactly as the relay encodes a camera. */
beforeAll(() => {
  const args = transcodeArgs({ url: 'x', transport: 'udp', ioTimeoutMs: 1000, declaredFps: 25, quality: 5, gopFrames: 10 });
  const output = args.slice(args.indexOf('-an'));
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '3', ...output], {
    maxBuffer: 64 << 20,
  });
  expect(r.status, r.stderr?.toString()).toBe(0);
  ts = r.stdout;
  const file = join(mkdtempSync(join(tmpdir(), 'tw-ts-')), 'clip.ts');
  writeFileSync(file, ts);
  const probe = spawnSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  ffprobeFrames = Number((JSON.parse(probe.stdout) as { streams: Array<{ nb_read_frames: string }> }).streams[0]?.nb_read_frames);
});

function feed(data: Buffer, sizes: (i: number) => number): Segment[] {
  const seg = new TsSegmenter();
  const out: Segment[] = [];
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.max(1, sizes(i));
    out.push(...seg.push(data.subarray(off, off + n)));
    off += n;
  }
  return out;
}

describe('jsmp header', () => {
  it('is "jsmp", then width and height as big-endian u16', () => {
    expect(jsmpHeader(640, 360).toString('hex')).toBe('6a736d7002800168');
    expect(parseJsmpHeader(jsmpHeader(320, 240))).toEqual({ width: 320, height: 240 });
    expect(() => jsmpHeader(70_000, 10)).toThrow(RangeError);
  });
});

describe('TS segmenter', () => {
  it('counts the pictures ffprobe decodes (30 at 10 fps for 3 s), and finds the picture size', () => {
    expect(ffprobeFrames).toBe(30);
    const segs = feed(ts, () => 65_536);
    expect(segs.reduce((n, s) => n + s.pictures, 0)).toBe(ffprobeFrames);
    const keys = segs.filter((s) => s.keyframe);
    expect(keys.length).toBe(3); // one group of pictures per 10 frames
    for (const k of keys) expect(k.format).toEqual({ width: 320, height: 240 });
  });

  it('cuts at whole packets and starts every keyframe segment at a packet carrying the sequence header', () => {
    const segs = feed(ts, () => 65_536);
    expect(Buffer.concat(segs.map((s) => s.data)).equals(ts.subarray(0, Math.floor(ts.length / TS_PACKET_SIZE) * TS_PACKET_SIZE))).toBe(true);
    for (const s of segs) {
      expect(s.data.length % TS_PACKET_SIZE).toBe(0);
      expect(s.data[0]).toBe(0x47);
      if (s.keyframe) expect(s.data.subarray(0, TS_PACKET_SIZE).includes(Buffer.from([0, 0, 1, 0xb3]))).toBe(true);
    }
  });

  it('gives the same result whatever the read sizes, even 1 byte at a time', () => {
    const whole = feed(ts, () => ts.length);
    let seed = 7;
    const random = feed(ts, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 3000);
    const bytewise = feed(ts.subarray(0, 40 * TS_PACKET_SIZE), () => 1);
    const summary = (s: Segment[]) => ({ pictures: s.reduce((n, x) => n + x.pictures, 0), keys: s.filter((x) => x.keyframe).length });
    expect(summary(random)).toEqual(summary(whole));
    expect(summary(bytewise)).toEqual(summary(feed(ts.subarray(0, 40 * TS_PACKET_SIZE), () => 1e9)));
  });

  it('finds packet sync after garbage', () => {
    const seg = new TsSegmenter();
    const out = seg.push(Buffer.concat([Buffer.from('garbage!'), ts]));
    expect(seg.skippedBytes).toBe(8);
    expect(out.reduce((n, s) => n + s.pictures, 0)).toBe(ffprobeFrames);
  });
});
