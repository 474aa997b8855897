import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { expect } from 'vitest';
import { ConfigError } from '../../config/load';

/** Well-formed but matches no password: tests never need to log in with it. */
export const FAKE_HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==';

const LON = -1.15;
const LAT = 52.955;

/** A closed 0.001° square whose south-west corner is `row` squares north of the origin. */
export function square(row: number): [number, number][] {
  const y0 = LAT + row * 0.001;
  return [
    [LON, y0],
    [LON + 0.001, y0],
    [LON + 0.001, y0 + 0.001],
    [LON, y0 + 0.001],
    [LON, y0],
  ];
}

/** Smallest config that exercises every collection; a fresh copy each call so tests can edit it. */
export function minimalDoc() {
  return {
    version: 1 as number,
    site: { id: 'test-town', name: 'Test Town', mode: 'demo' } as Record<string, unknown>,
    accounts: [
      { username: 'controller', role: 'console', consoleRole: 'controller', passwordHash: FAKE_HASH },
      { username: 'radio-3001', role: 'handset', issi: 3001, passwordHash: FAKE_HASH },
      { username: 'shop-a', role: 'shop-terminal', premisesId: 'shop-a', passwordHash: FAKE_HASH },
    ] as Record<string, unknown>[],
    zones: [
      { id: 'north', name: 'North', polygon: square(0), neighbours: [{ zone: 'south', walkSeconds: 90 }] },
      { id: 'south', name: 'South', polygon: square(-1), neighbours: [{ zone: 'north', walkSeconds: 90 }] },
    ] as { id: string; name: string; polygon: [number, number][]; neighbours: Record<string, unknown>[] }[],
    premises: [{ id: 'shop-a', name: 'Shop A', zone: 'north', position: [LON + 0.0005, LAT + 0.0005] }] as Record<string, unknown>[],
    cameras: [
      {
        id: 'cam-01',
        name: 'North Cam',
        rtspUrl: 'rtsp://127.0.0.1:8554/cam-01',
        position: [LON + 0.0002, LAT + 0.0002],
        bearingDeg: 45,
        fovDeg: 60,
        rangeM: 80,
        zone: 'north',
      },
    ] as Record<string, unknown>[],
    talkgroups: [{ id: 'tg-a', gssi: 9001, name: 'Net A' }] as Record<string, unknown>[],
    units: [{ id: 'u1', callsign: 'PC 1', role: 'police', issi: 3001, talkgroups: ['tg-a'] }] as Record<string, unknown>[],
    docks: [{ id: 'dock-a', name: 'Dock A', bays: 6 }] as Record<string, unknown>[],
    radio: { statusCodes: { '32768': { state: 'available', label: 'Available' } } } as Record<string, unknown>,
  };
}

/** Temp files for one test file; call `cleanup` in afterAll. */
export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'townwatch-config-'));
  let n = 0;
  return {
    dir,
    write(content: unknown, name = `cfg-${++n}.yaml`): string {
      const file = join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : YAML.stringify(content));
      return file;
    },
    cleanup(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The issue lines of the ConfigError `fn` throws; fails the test if it throws nothing else. */
export function issuesOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  expect.fail('expected a ConfigError, but nothing was thrown');
}
