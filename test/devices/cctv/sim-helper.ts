import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RtspCameraSim } from '../../../simulators/cctv/rtsp-sim';
import { freePort } from '../../helpers/net';

/** Small, slow cameras keep two test files in parallel within the machine's two cores. */
export async function startSim(cameras: string[], codec?: 'mpeg4' | 'h264'): Promise<RtspCameraSim> {
  const [clientPort, sourcePort] = [await freePort(), await freePort()];
  // Even, and spread out, so simulators in parallel test files do not share UDP ports.
  const rtpStartPort = 30_000 + 2 * Math.floor(Math.random() * 14_000);
  const sim = new RtspCameraSim({ cameras, clientPort, sourcePort, rtpStartPort, size: '320x240', fps: 10, codec });
  await sim.start();
  return sim;
}

/** Pids of the relay transcoders (not the probes, not the simulator's publishers) reading `url`. */
export function transcoders(url: string): number[] {
  try {
    const out = execFileSync('pgrep', ['-f', '--', `-i ${url} .*mpeg1video`], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Running, not a zombie waiting for a reaper (a dead child of a dead parent may linger as one). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
