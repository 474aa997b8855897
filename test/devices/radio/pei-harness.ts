// Shared set-up for the adapter's PTY tests: a simulator on a socat pair, an adapter on it,
// and a way to wait for the next event of a kind.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeiAdapter, type PeiAdapterOptions } from '../../../devices/radio/pei-adapter';
import type { RadioEvent, RadioEventOf, RadioEventType } from '../../../devices/radio/types';
import { PeiSimulator, type PeiSimulatorOptions } from '../../../simulators/radio/pei-sim';

export const OWN = 1000001;
export const TALKGROUP = 9001;
export const TIMINGS = { keepaliveIdleMs: 300, keepaliveTimeoutMs: 400, reconnectMinMs: 50, reconnectMaxMs: 250, commandTimeoutMs: 1000 };

/** Resolves with the next event of `type` matching `match`; register before triggering it. */
export function next<T extends RadioEventType>(
  adapter: PeiAdapter,
  type: T,
  match: (e: RadioEventOf<T>) => boolean = () => true,
  timeoutMs = 3000,
): Promise<RadioEventOf<T>> {
  return new Promise((resolve, reject) => {
    const onEvent = (e: RadioEvent): void => {
      if (e.type !== type || !match(e as RadioEventOf<T>)) return;
      clearTimeout(timer);
      adapter.off('event', onEvent);
      resolve(e as RadioEventOf<T>);
    };
    const timer = setTimeout(() => {
      adapter.off('event', onEvent);
      reject(new Error(`no ${type} event within ${timeoutMs} ms`));
    }, timeoutMs);
    adapter.on('event', onEvent);
  });
}

export interface Rig {
  sim: PeiSimulator;
  adapter: PeiAdapter;
  events: RadioEvent[];
  close(): Promise<void>;
}

/** A simulator and an adapter on a fresh PTY; the adapter is started but may not be up yet. */
export async function rig(sim: Partial<Omit<PeiSimulatorOptions, 'path'>> = {}, adapter: Partial<Omit<PeiAdapterOptions, 'path'>> = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'townwatch-pei-'));
  const path = join(dir, 'radio');
  const s = new PeiSimulator({
    path,
    units: [
      { issi: 2001, lat: 52.953, lon: -1.15 },
      { issi: 2002, lat: 52.9541, lon: -1.1462 },
    ],
    talkgroup: TALKGROUP,
    ownIssi: OWN,
    ...sim,
  });
  await s.start();
  const a = new PeiAdapter({ path, ...TIMINGS, ...adapter });
  const events: RadioEvent[] = [];
  a.on('event', (e) => events.push(e));
  await a.start();
  return {
    sim: s,
    adapter: a,
    events,
    async close() {
      await a.stop();
      await s.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
