import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { verifyJournal } from '../../gateway/journal/verify';
import { DockSimulator } from '../../simulators/dock/dock-sim';
import type { PtyPair } from '../../simulators/dock/pty';
import { FAST, startDockGateway } from '../devices/dock/harness';
import { login, ROOT, withCsrf } from '../helpers/gateway';

const run = promisify(execFile);
let gw: Gateway;
let pty: PtyPair;
let sim: DockSimulator;
let dir: string;
const cookies: Record<string, string> = {};
let ids: string[] = [];

function call(method: string, path: string, who: string | null, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...(who ? withCsrf(cookies[who]!) : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

/** Unpacks a tar archive (the bytes a browser downloaded) into a directory, as a recipient would. */
async function untar(bytes: Buffer, into: string): Promise<string[]> {
  const names: string[] = [];
  const ex = tar.extract();
  ex.on('entry', (header, stream, next) => {
    names.push(header.name);
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      const to = join(into, header.name);
      expect(to.startsWith(into + '/')).toBe(true);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(Readable.from([bytes]), ex);
  return names;
}

const custody = (type: string) => [...gw.journal.replay()].filter((e) => e.type === type);

beforeAll(async () => {
  ({ gw, pty, dir } = await startDockGateway());
  sim = new DockSimulator({
    ...FAST,
    path: pty.dockPath,
    cable: pty,
    dockId: 'dock-1',
    bays: 6,
    seed: 11,
    cameras: [
      {
        serial: 'BWC-0001',
        bay: 1,
        files: [
          { name: 'night-001.mp4', size: 150_000 },
          { name: 'night-002.mp4', size: 70_001 },
        ],
      },
    ],
  });
  await sim.start();
  await sim.whenSettled();
  for (const who of ['police', 'secmgr', 'member', 'controller']) cookies[who] = await login(gw.httpPort, who);
  ids = gw.projections.evidence.snapshot().map((r) => r.id);
  expect(ids).toHaveLength(2);
  for (const id of ids) expect((await call('POST', `/api/evidence/${id}/evidential`, 'police', { incidentId: 'INC-9' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await gw?.stop();
  await pty?.close();
});

describe('evidence bundles', () => {
  it('refuses a client-chosen path, such as the console folder served without a session', async () => {
    const consoleDir = join(ROOT, 'console/dist/leak');
    // A relative path climbing out of the working folder, named for this run: no other run's leftovers.
    for (const out of [consoleDir, join(dir, 'elsewhere'), `../../tmp/tw-bundle-${process.pid}-${Date.now()}`]) {
      const res = await call('POST', '/api/evidence/bundles', 'police', { incidentId: 'INC-9', out });
      expect(res.status).toBe(400);
      expect(existsSync(out)).toBe(false);
    }
    expect(custody('evidence.exported')).toEqual([]);
  });

  it('writes one archive under the export folder and hands it to police, each download journaled as custody', async () => {
    const created = await call('POST', '/api/evidence/bundles', 'police', { incidentId: 'INC-9' });
    expect(created.status).toBe(200);
    const { data } = (await created.json()) as { data: { bundleId: string; files: number; download: string } };
    expect(data).toMatchObject({ files: 2, download: `/api/evidence/bundles/${data.bundleId}` });
    expect(readdirSync(join(dir, 'exports')).sort()).toEqual([`${data.bundleId}.json`, `${data.bundleId}.tar`]);

    for (const who of ['police', 'secmgr']) {
      const res = await call('GET', data.download, who);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-tar');
      const into = join(dir, `unpacked-${who}`);
      const names = await untar(Buffer.from(await res.arrayBuffer()), into);
      const root = join(into, data.bundleId);
      expect(names).toContain(`${data.bundleId}/SHA256SUMS`);
      expect(names).toContain(`${data.bundleId}/manifest.json`);
      // The recipient's check: every line of SHA256SUMS holds for the unpacked files.
      expect((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: root })).stdout.match(/: OK$/gm)).toHaveLength(2);
      const sums = readFileSync(join(root, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('  ') as [string, string]);
      expect(sums.map(([sha]) => sha).sort()).toEqual(
        gw.projections.evidence
          .snapshot()
          .map((r) => r.receivedSha256)
          .sort(),
      );
      // Named as a player expects: the camera and the start in site time, not `.mp4_<hash>`.
      for (const [, file] of sums) expect(file).toMatch(/^files\/BWC-0001_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(_\d+)?\.mp4$/);
      for (const [sha, file] of sums)
        expect(
          createHash('sha256')
            .update(readFileSync(join(root, file)))
            .digest('hex'),
        ).toBe(sha);
      const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as {
        exportedBy: string;
        files: Array<{ custody: Array<{ type: string; actor: string }> }>;
      };
      expect(manifest.exportedBy).toBe('police');
      expect(manifest.files[0]!.custody.map((c) => c.type)).toContain('evidence.exported');
    }
    const downloads = custody('evidence.bundle-downloaded');
    expect(downloads.map((e) => `${e.actor} ${e.ref}`).sort()).toEqual(['police', 'secmgr'].flatMap((a) => ids.map((id) => `${a} ${id}`)).sort());
    for (const e of downloads) expect(e.payload).toMatchObject({ bundleId: data.bundleId, incidentId: 'INC-9' });
    expect(custody('evidence.exported').map((e) => e.payload)).toEqual(
      ids.map(() => expect.not.objectContaining({ out: expect.anything() as unknown }) as unknown),
    );
    expect(verifyJournal(gw.journal.database)).toMatchObject({ ok: true });
  });

  it('gives a member 403, a controller 403 and no session 401, and journals no hand-over for them', async () => {
    const { bundleId } = JSON.parse(
      readFileSync(
        join(
          dir,
          'exports',
          readdirSync(join(dir, 'exports')).find((f) => f.endsWith('.json'))!,
        ),
        'utf8',
      ),
    ) as { bundleId: string };
    const before = custody('evidence.bundle-downloaded').length;
    expect((await call('GET', `/api/evidence/bundles/${bundleId}`, 'member')).status).toBe(403);
    expect((await call('GET', `/api/evidence/bundles/${bundleId}`, 'controller')).status).toBe(403);
    expect((await call('GET', `/api/evidence/bundles/${bundleId}`, null)).status).toBe(401);
    expect((await call('POST', '/api/evidence/bundles', 'member', { incidentId: 'INC-9' })).status).toBe(403);
    expect((await call('POST', '/api/evidence/bundles', null, { incidentId: 'INC-9' })).status).toBe(401);
    // Only our own ids name a file: nothing else in the data folder can be fetched this way.
    for (const id of ['..%2Fjournal.db', '..%2F..%2Fconfig.yaml', `${bundleId}.json`])
      expect((await call('GET', `/api/evidence/bundles/${id}`, 'police')).status).toBe(404);
    expect(custody('evidence.bundle-downloaded')).toHaveLength(before);
  });
});
