import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { EvidenceRecord } from '../projections/evidence';

export interface CustodyEntry {
  seq: number;
  ts: string;
  type: string;
  actor: string | null;
  source: string;
}

export interface BundleInput {
  incidentId: string;
  records: EvidenceRecord[];
  custody: (id: string) => CustodyEntry[];
  pathOf: (sha256: string) => string;
  exportedBy: string;
  outDir: string;
}

/** A file name inside the bundle: readable, and unique by its hash prefix. */
function bundleName(r: EvidenceRecord): string {
  return `files/${r.cam}_${r.name.replace(/[^\w.-]/g, '_')}_${r.id.slice(0, 12)}`;
}

/**
 * Writes an evidence bundle for the police: the files (streamed, never whole in memory), a
 * `manifest.json` with hashes and custody logs, and a `SHA256SUMS` that `sha256sum -c` checks.
 */
export async function writeBundle(input: BundleInput): Promise<{ dir: string; files: number }> {
  await mkdir(join(input.outDir, 'files'), { recursive: true });
  const entries = [];
  for (const r of input.records) {
    const name = bundleName(r);
    await pipeline(createReadStream(input.pathOf(r.id)), createWriteStream(join(input.outDir, name), { flags: 'wx' }));
    entries.push({
      file: name, sha256: r.receivedSha256, deviceSha256: r.deviceSha256, size: r.size, camera: r.cam, wearer: r.wearer,
      recordingStart: r.recStart, recordingEnd: r.recEnd, dock: r.dockId, category: r.category, custody: input.custody(r.id),
    });
  }
  const manifest = {
    format: 'townwatch-evidence-bundle/1',
    incident: { id: input.incidentId },
    exportedBy: input.exportedBy,
    exportedAt: new Date().toISOString(),
    files: entries,
  };
  await writeFile(join(input.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  const sums = entries.map((e) => `${e.sha256}  ${e.file}\n`).join('');
  await writeFile(join(input.outDir, 'SHA256SUMS'), sums, { flag: 'wx' });
  return { dir: input.outDir, files: entries.length };
}
