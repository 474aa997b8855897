import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Config } from './schema';

/**
 * The Debian packages the demo's simulators run on, and which simulators are off without them.
 * `config/system-deps.sh demo` (npm start's prestart) installs them when it can; when it cannot,
 * the gateway starts anyway and its banner says, from this, what is off and the one command
 * that turns it on. The shell script and this list name the same packages.
 */
const EXECUTABLES: Record<string, readonly string[]> = {
  socat: ['socat'],
  ffmpeg: ['ffmpeg', 'ffprobe'],
  'rtsp-server-perl': ['rtsp-server-perl'],
};

export interface OffSimulator {
  /** What the demo lacks, as a controller would name it. */
  what: string;
  /** Debian packages that are missing for it. */
  missing: string[];
}

function onPath(name: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missingPackages(packages: readonly string[], path = process.env.PATH ?? ''): string[] {
  return packages.filter((p) => !(EXECUTABLES[p] ?? [p]).every((exe) => onPath(exe, path)));
}

/** The demo's simulators that cannot run on this machine, and why. */
export function offSimulators(config: Config, path = process.env.PATH ?? ''): OffSimulator[] {
  const wanted: Array<{ what: string; packages: string[]; configured: boolean }> = [
    { what: 'TETRA radios (PEI control station)', packages: ['socat'], configured: config.radio.controlStations.some((s) => s.serialPath) },
    { what: 'camera dock', packages: ['socat'], configured: config.docks.some((d) => d.serialPath) },
    { what: 'CCTV cameras', packages: ['ffmpeg', 'rtsp-server-perl'], configured: config.cameras.length > 0 },
  ];
  return wanted
    .filter((w) => w.configured)
    .map((w) => ({ what: w.what, missing: missingPackages(w.packages, path) }))
    .filter((o) => o.missing.length > 0);
}

export function installCommand(packages: readonly string[]): string {
  return `sudo apt-get install -y ${[...new Set(packages)].join(' ')}`;
}
