import type { Config } from '../../config/schema';
import { MissingDependencyError, RtspCameraSim } from './rtsp-sim';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The demo town's cameras as RTSP test patterns: one simulator per loopback host:port in the
 * cameras' rtspUrls (the demo has one, 127.0.0.1:8554). Cameras elsewhere are real ones and
 * left alone. Without ffmpeg or rtsp-server-perl the demo runs on, camera-less, and says why.
 */
export async function startDemoCameras(config: Config, log: (line: string) => void = console.log): Promise<() => Promise<void>> {
  const groups = new Map<string, { host: string; port: number; names: string[] }>();
  for (const c of config.cameras) {
    const url = new URL(c.rtspUrl);
    if (!LOOPBACK.has(url.hostname)) continue;
    const key = `${url.hostname}:${url.port || '554'}`;
    const g = groups.get(key) ?? { host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname, port: Number(url.port || 554), names: [] };
    g.names.push(url.pathname.replace(/^\//, ''));
    groups.set(key, g);
  }
  const sims: RtspCameraSim[] = [];
  try {
    for (const g of groups.values()) {
      const sim = new RtspCameraSim({ cameras: g.names, host: g.host, clientPort: g.port, size: '640x360', fps: 10, log: (l) => log(`sim: ${l}`) });
      await sim.start();
      sims.push(sim);
    }
  } catch (err) {
    log(`sim: no CCTV cameras: ${err instanceof MissingDependencyError ? err.message : (err as Error).message}`);
  }
  return async () => {
    await Promise.all(sims.map((s) => s.stop()));
  };
}
