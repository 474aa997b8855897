import { statfsSync } from 'node:fs';
import type { Journal } from './journal/journal';
import type { DiskSpace, SiteProbe } from './metrics';
import type { Projections } from './projections';

/**
 * The site's health as the alert rules in config/ops/ need it, read at scrape time from where
 * it lives: the journal's state, the filesystems, the emergencies and units projections.
 */
export function siteProbe(journal: Journal, projections: Projections, dirs: Record<string, string>, nowMs = Date.now()): SiteProbe {
  const waiting = projections.emergencies.open().filter((e) => e.state === 'open');
  const oldest = Math.min(...waiting.map((e) => e.raisedAt));
  let lostContact = 0;
  for (const u of projections.units.all()) if (u.lostContact) lostContact++;
  return {
    journalFailing: journal.lastError !== null,
    disks: Object.fromEntries(Object.entries(dirs).map(([volume, dir]) => [volume, diskSpace(dir)])),
    unacknowledged: { count: waiting.length, oldestSeconds: waiting.length ? Math.max(0, (nowMs - oldest) / 1000) : 0 },
    lostContact,
  };
}

function diskSpace(dir: string): DiskSpace | null {
  try {
    const s = statfsSync(dir);
    // bavail, not bfree: the blocks reserved for root are no use to the gateway's user.
    return { freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
  } catch {
    return null; // not created yet, or unmounted: no sample rather than a wrong one
  }
}
