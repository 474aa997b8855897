import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { RtspCameraSim } from '../../simulators/cctv/rtsp-sim';
import { startSim } from '../devices/cctv/sim-helper';
import { startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * The camera wall against the real relay: an RTSP test camera (rtsp-server-perl fed by ffmpeg's
 * test pattern), the gateway's ffmpeg transcoder to MPEG-1 over /video/<id>, and JSMpeg
 * decoding it in Chromium.
 */
// A browser, a gateway and simulators share two cores with the rest of the suite: give them time.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let sim: RtspCameraSim;
let gw: Gateway;
let browser: Browser;
let s: Session;

beforeAll(async () => {
  sim = await startSim(['cam-01']);
  const t = testConfig((doc) => {
    doc.cameras = (doc.cameras as Array<Record<string, unknown>>).slice(0, 1).map((c) => ({ ...c, rtspUrl: sim.url(c.id as string) }));
    doc.cctv = {
      rtspTransport: 'udp',
      ioTimeoutSeconds: 2,
      idleStopSeconds: 0.5,
      stallSeconds: 15,
      restartBackoff: { initialMs: 200, maxMs: 1000 },
      probeIntervalSeconds: 1,
      probeTimeoutSeconds: 5,
      healthDebounce: 1,
      quality: 8,
      frigateCameras: {},
    };
  });
  gw = await startGateway(t.config);
  browser = await launchChromium();
  s = await newSession(browser);
}, 120_000);

afterAll(async () => {
  await s?.context.close().catch(() => undefined);
  await browser?.close();
  await gw?.stop();
  await sim?.stop();
});

describe('the camera wall', () => {
  it('a camera tile shows moving video (two canvas snapshots differ), with the camera health', async () => {
    await loginAs(s.page, `http://127.0.0.1:${gw.httpPort}`, 'operator');
    await s.page.getByRole('link', { name: /Cameras/ }).click();
    await s.page.locator('.cameras-panel button[data-layout="1"]').click();
    const tile = s.page.locator('#camera-wall .tile[data-camera="cam-01"]');
    await expect.poll(() => tile.getAttribute('data-video'), { timeout: 45_000 }).toBe('live');
    const frame = () => tile.locator('canvas').evaluate((c) => (c as HTMLCanvasElement).toDataURL('image/png'));
    const first = await frame();
    await expect.poll(frame, { timeout: 10_000 }).not.toBe(first);
    // A decoded picture is not blank: the test pattern has many colours.
    const colours = await tile.locator('canvas').evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i]! >> 5) * 64 + (data[i + 1]! >> 5) * 8 + (data[i + 2]! >> 5));
      return seen.size;
    });
    expect(colours).toBeGreaterThan(8);
    await expect.poll(() => tile.getAttribute('data-health'), { timeout: 30_000 }).toBe('online');
    await screenshot(s.page, 'camera-wall');
    expect(s.errors).toEqual([]);
  }, 120_000);
});
