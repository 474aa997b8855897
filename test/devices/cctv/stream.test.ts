import { createServer } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthDebounce } from '../../../devices/cctv/health';
import { probeRtsp } from '../../../devices/cctv/probe';
import { backoffDelay, CameraStream, type CameraStreamOptions, type StreamExit } from '../../../devices/cctv/stream';
import type { RtspCameraSim } from '../../../simulators/cctv/rtsp-sim';
import { eventually } from '../../helpers/gateway';
import { alive, startSim, transcoders } from './sim-helper';

let sim: RtspCameraSim;

beforeAll(async () => {
  sim = await startSim(['cam-a']);
}, 120_000);
afterAll(async () => {
  await sim?.stop();
});

// The stall watchdog is set well beyond ffmpeg's own input timeout, so that a camera going
// down is seen the way it is in production: ffmpeg reports the input lost.
function stream(over: Partial<CameraStreamOptions> = {}): CameraStream {
  return new CameraStream({
    id: 'cam-a',
    url: sim.url('cam-a'),
    transport: 'udp',
    ioTimeoutMs: 2000,
    declaredFps: 25,
    quality: 8,
    gopFrames: 10,
    ffmpegPath: 'ffmpeg',
    idleStopMs: 300,
    stallMs: 15_000,
    backoff: { initialMs: 200, maxMs: 800 },
    log: pino({ level: 'silent' }),
    ...over,
  });
}

describe('RTSP probe', () => {
  it('reports the codec and size of a camera that answers', async () => {
    expect(await probeRtsp({ url: sim.url('cam-a'), transport: 'udp', ioTimeoutMs: 3000, timeoutMs: 10_000, ffprobePath: 'ffprobe' })).toEqual({
      ok: true,
      codec: 'mpeg4',
      width: 320,
      height: 240,
    });
  });

  it("says why a camera does not answer: the server's 404, not the URL", async () => {
    const r = await probeRtsp({ url: sim.url('no-such-camera'), transport: 'udp', ioTimeoutMs: 3000, timeoutMs: 10_000, ffprobePath: 'ffprobe' });
    expect(r).toEqual({ ok: false, reason: 'Server returned 404 Not Found' });
  });

  it('gives up on a camera that accepts the connection but never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    const r = await probeRtsp({ url: `rtsp://127.0.0.1:${port}/x`, transport: 'tcp', ioTimeoutMs: 60_000, timeoutMs: 1500, ffprobePath: 'ffprobe' });
    silent.close();
    expect(r).toEqual({ ok: false, reason: 'no answer within 2 s' });
  });
});

describe('camera stream', () => {
  it('starts on the first consumer, is shared, and stops after the last one leaves', async () => {
    const s = stream();
    let pictures = 0;
    s.on('segment', (seg) => (pictures += seg.pictures));
    s.acquire();
    s.acquire();
    await eventually(() => s.state === 'streaming' && pictures >= 5, 20_000, 'pictures');
    expect(s.status().format).toEqual({ width: 320, height: 240 });
    expect(transcoders(sim.url('cam-a'))).toEqual([s.status().pid]);
    s.release();
    await new Promise((r) => setTimeout(r, 600));
    expect(s.state).toBe('streaming'); // one consumer is still there
    const pid = s.status().pid!;
    s.release();
    await eventually(() => s.state === 'idle' && !alive(pid), 10_000, 'the idle stop');
    expect(transcoders(sim.url('cam-a'))).toEqual([]);
    await s.stop();
  }, 120_000);

  it('restarts with backoff while the camera is down, and streams again when it is back', async () => {
    const s = stream();
    const exits: StreamExit[] = [];
    let pictures = 0;
    s.on('exit', (e) => exits.push(e));
    s.on('segment', (seg) => (pictures += seg.pictures));
    s.acquire();
    await eventually(() => pictures >= 5, 20_000, 'pictures');
    await sim.down('cam-a');
    await eventually(() => exits.length >= 3, 30_000, 'three failed attempts');
    expect(exits[0]).toMatchObject({ kind: 'input', reason: 'Connection timed out' });
    expect(exits.slice(1).some((e) => /404 Not Found/.test(e.reason))).toBe(true);
    expect(exits.map((e) => e.retryInMs).slice(0, 3)).toEqual([200, 400, 800]);
    await sim.up('cam-a');
    const before = pictures;
    await eventually(() => s.state === 'streaming' && pictures > before + 5, 20_000, 'the stream to come back by itself');
    expect(transcoders(sim.url('cam-a')).length).toBe(1);
    const pid = s.status().pid!;
    await s.stop();
    expect(alive(pid)).toBe(false);
    expect(s.state).toBe('idle');
  }, 120_000);
});

describe('stall watchdog', () => {
  it('kills an ffmpeg that delivers no pictures, and tries again', async () => {
    const silent = createServer(() => undefined); // accepts, never answers: ffmpeg waits forever
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    const s = stream({ url: `rtsp://127.0.0.1:${port}/x`, transport: 'tcp', ioTimeoutMs: 60_000, stallMs: 1500 });
    const exits: StreamExit[] = [];
    s.on('exit', (e) => exits.push(e));
    s.acquire();
    const first = await eventually(() => s.status().pid ?? undefined, 5000, 'ffmpeg');
    await eventually(() => exits.length >= 1, 15_000, 'the stall to be caught');
    expect(exits[0]).toMatchObject({ kind: 'stall', retryInMs: 200 });
    expect(exits[0]!.reason).toMatch(/^no pictures for \d+ s$/);
    expect(alive(first)).toBe(false);
    await eventually(() => s.status().pid !== null && s.status().pid !== first, 10_000, 'a new attempt');
    await s.stop();
    silent.close();
  }, 120_000);
});

describe('backoff and health debounce', () => {
  it('doubles the delay up to the maximum', () => {
    expect([0, 1, 2, 3, 10, 100].map((a) => backoffDelay(a, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 30_000, 30_000]);
  });

  it('reports a change only after the threshold of agreeing observations, once', () => {
    const h = new HealthDebounce(2, 'online');
    expect([h.observe(false), h.observe(true), h.observe(false), h.observe(false), h.observe(false)]).toEqual([null, null, null, 'offline', null]);
    expect([h.observe(true), h.observe(true)]).toEqual([null, 'online']);
    expect(new HealthDebounce(1).observe(true)).toBe('online');
  });
});
