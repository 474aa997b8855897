import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { verifyJournal } from '../../gateway/journal/verify';
import type { EvidenceRecord } from '../../gateway/projections/evidence';
import { DockSimulator, fileSha256 } from '../../simulators/dock/dock-sim';
import type { PtyPair } from '../../simulators/dock/pty';
import { FAST, startDockGateway } from '../devices/dock/harness';
import { login, withCsrf } from '../helpers/gateway';

const run = promisify(execFile);
const SEED = 42;
const CAMERAS = [
  {
    serial: 'BWC-0001',
    bay: 1,
    files: [
      { name: 'shift-a-001.mp4', size: 300_000 },
      { name: 'shift-a-002.mp4', size: 900_000 },
    ],
  },
  { serial: 'BWC-9999', bay: 2, files: [{ name: 'spare-001.mp4', size: 200_000 }] }, // not assigned to anyone
  { serial: 'BWC-0002', bay: 3, files: [{ name: 'tampered.mp4', size: 150_000 }], badHash: true },
];

let gw: Gateway;
let pty: PtyPair;
let sim: DockSimulator;
let dir: string;
/** For each file the dock erased: was its custody already committed when ERASE_OK arrived? */
const custodyAtErase = new Map<string, boolean>();
let secmgr: string;

async function api<T>(method: string, path: string, body?: unknown, cookie = secmgr): Promise<{ status: number; data: T }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookie), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as { data: T };
  return { status: res.status, data: json.data };
}

beforeAll(async () => {
  ({ gw, pty, dir } = await startDockGateway());
  sim = new DockSimulator({ ...FAST, path: pty.dockPath, cable: pty, dockId: 'dock-1', bays: 6, seed: SEED, cameras: CAMERAS });
  sim.on('erased', (serial, name) => {
    const rec = gw.projections.evidence.snapshot().find((r) => r.cam === serial && r.name === name);
    custodyAtErase.set(`${serial}/${name}`, rec !== undefined);
  });
  await sim.start();
  await sim.whenSettled();
  secmgr = await login(gw.httpPort, 'secmgr');
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await gw?.stop();
  await pty?.close();
});

const record = (serial: string, name: string): EvidenceRecord => gw.projections.evidence.snapshot().find((r) => r.cam === serial && r.name === name)!;

describe('body-worn camera offload', () => {
  it("receives a docked camera's files, verifies their hashes, and commits custody before ERASE_OK", async () => {
    for (const cam of CAMERAS.filter((c) => !c.badHash)) {
      for (const f of cam.files) {
        const expected = await fileSha256(SEED, cam.serial, f.name, f.size);
        const rec = record(cam.serial, f.name);
        expect(rec, `${cam.serial}/${f.name}`).toBeDefined();
        expect(rec.receivedSha256).toBe(expected);
        expect(rec.deviceSha256).toBe(expected);
        expect(readFileSync(gw.evidence.store.pathOf(expected)).length).toBe(f.size);
        expect(custodyAtErase.get(`${cam.serial}/${f.name}`), 'custody committed before the dock erased').toBe(true);
      }
    }
    expect(record('BWC-0001', 'shift-a-001.mp4')).toMatchObject({ wearer: 'SEC 7', unassigned: false, category: 'non-evidential', dockId: 'dock-1' });
    expect(record('BWC-9999', 'spare-001.mp4')).toMatchObject({ wearer: null, unassigned: true });
  });

  it('keeps a file whose hash does not match in quarantine, raises an alarm, and never lets the camera erase it', () => {
    expect(sim.erased.has('BWC-0002/tampered.mp4')).toBe(false);
    expect(record('BWC-0002', 'tampered.mp4')).toBeUndefined();
    expect(gw.projections.evidence.mismatchAlarms()).toEqual([expect.objectContaining({ cam: 'BWC-0002', name: 'tampered.mp4' })]);
  });

  it('serves the hash-mismatch alarm at /api/evidence/alarms; an evidence handler acknowledges it, journaled', async () => {
    type Alarm = {
      id: string;
      cam: string;
      name: string;
      offered: string;
      received: string;
      reason: string;
      acknowledged: { by: string; note: string } | null;
    };
    const { status, data } = await api<Alarm[]>('GET', '/api/evidence/alarms');
    expect(status).toBe(200);
    expect(data).toEqual([
      expect.objectContaining({ cam: 'BWC-0002', name: 'tampered.mp4', acknowledged: null, reason: expect.stringMatching(/does not match/) as unknown }),
    ]);
    const alarm = data[0]!;
    expect(alarm.received).not.toBe(alarm.offered);
    const member = await login(gw.httpPort, 'member');
    expect((await api('GET', '/api/evidence/alarms', undefined, member)).status).toBe(403);
    const controller = await login(gw.httpPort, 'controller');
    expect((await api('GET', '/api/evidence/alarms', undefined, controller)).status).toBe(200);
    expect((await api('POST', `/api/evidence/alarms/${alarm.id}/ack`, { note: 'x' }, controller)).status).toBe(403);
    expect((await api('POST', `/api/evidence/alarms/${alarm.id}/ack`, {})).status).toBe(400);
    expect((await api('POST', '/api/evidence/alarms/nope/ack', { note: 'x' })).status).toBe(404);
    const ack = await api<Alarm>('POST', `/api/evidence/alarms/${alarm.id}/ack`, { note: 'camera withdrawn' });
    expect(ack).toMatchObject({ status: 200, data: { acknowledged: { by: 'secmgr', note: 'camera withdrawn' } } });
    expect((await api('POST', `/api/evidence/alarms/${alarm.id}/ack`, { note: 'again' })).status).toBe(409);
    const journaled = [...gw.journal.replay()].filter((e) => e.type === 'evidence.alarm-acknowledged');
    expect(journaled.map((e) => [e.actor, (e.payload as { alarmId: string }).alarmId])).toEqual([['secmgr', alarm.id]]);
  });

  it('returns the chain of custody, and journals who viewed the footage', async () => {
    const rec = record('BWC-0001', 'shift-a-001.mp4');
    const view = await api<EvidenceRecord>('GET', `/api/evidence/${rec.id}`);
    expect(view.status).toBe(200);
    const custody = await api<Array<{ type: string; actor: string | null }>>('GET', `/api/evidence/${rec.id}/custody`);
    expect(custody.data.map((c) => c.type)).toEqual([
      'evidence.offered',
      'evidence.received',
      'evidence.verified',
      'evidence.erase-permitted',
      'evidence.viewed',
    ]);
    expect(custody.data.at(-1)!.actor).toBe('secmgr');
    const member = await login(gw.httpPort, 'member');
    expect((await api('GET', `/api/evidence/${rec.id}`, undefined, member)).status).toBe(403);
    expect((await api('GET', '/api/evidence', undefined, member)).status).toBe(403);
  });
});

describe('bundles and retention', () => {
  it('writes a bundle that `sha256sum -c` accepts, and that fails after one byte is changed', async () => {
    const a = record('BWC-0001', 'shift-a-001.mp4');
    const b = record('BWC-0001', 'shift-a-002.mp4');
    for (const r of [a, b]) expect((await api('POST', `/api/evidence/${r.id}/evidential`, { incidentId: 'INC-1' })).status).toBe(200);
    const res = await api<{ files: number; bundleId: string; download: string }>('POST', '/api/evidence/bundles', { incidentId: 'INC-1' });
    expect(res).toMatchObject({ status: 200, data: { files: 2 } });
    const archive = await fetch(`http://127.0.0.1:${gw.httpPort}${res.data.download}`, { headers: withCsrf(secmgr) });
    expect(archive.status).toBe(200);
    writeFileSync(join(dir, 'bundle-inc-1.tar'), Buffer.from(await archive.arrayBuffer()));
    await run('tar', ['-xf', 'bundle-inc-1.tar'], { cwd: dir });
    const out = join(dir, res.data.bundleId);

    expect((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out })).stdout).toMatch(/: OK\n.*: OK\n/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      files: Array<{ file: string; custody: Array<{ type: string; actor: string }> }>;
    };
    expect(manifest.files[0]!.custody.map((c) => c.type)).toContain('evidence.exported');

    const victim = join(out, manifest.files[0]!.file);
    const bytes = readFileSync(victim);
    bytes[1000] = bytes[1000]! ^ 0x01;
    writeFileSync(victim, bytes);
    await expect(run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out })).rejects.toMatchObject({ stdout: expect.stringMatching(/FAILED/) as unknown });
  });

  it('deletes expired non-evidential footage, keeps held and evidential footage, leaves receipts, and the journal verifies', async () => {
    const held = record('BWC-9999', 'spare-001.mp4');
    expect((await api('POST', `/api/evidence/${held.id}/hold`, { on: true, reason: 'complaint pending' })).status).toBe(200);
    const deleted = await gw.retention.run(Date.now() + 40 * 86_400_000); // 40 days on: past the 31-day retention
    expect(deleted).toEqual([]); // the two others are evidential now, and this one is held

    expect((await api('POST', `/api/evidence/${held.id}/hold`, { on: false, reason: 'complaint closed' })).status).toBe(200);
    expect(await gw.retention.run(Date.now() + 10 * 86_400_000)).toEqual([]); // not expired yet
    expect(await gw.retention.run(Date.now() + 40 * 86_400_000)).toEqual([held.id]);

    expect(existsSync(gw.evidence.store.pathOf(held.receivedSha256))).toBe(false);
    expect(existsSync(gw.evidence.store.pathOf(record('BWC-0001', 'shift-a-001.mp4').receivedSha256))).toBe(true);
    const receipt = [...gw.journal.replay()].find((e) => e.type === 'evidence.deleted' && e.ref === held.id)!;
    expect(receipt.payload).toMatchObject({ sha256: held.receivedSha256, size: 200_000, reason: 'retention period ended' });
    expect(verifyJournal(gw.journal.database)).toMatchObject({ ok: true });
  });

  it('lets only evidence handlers mark footage, and nobody delete it by hand', async () => {
    const rec = record('BWC-0001', 'shift-a-001.mp4');
    const operator = await login(gw.httpPort, 'operator');
    expect((await api('POST', `/api/evidence/${rec.id}/evidential`, { incidentId: 'INC-2' }, operator)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/api/evidence/${rec.id}`, { method: 'DELETE', headers: withCsrf(secmgr) })).status).toBe(404);
  });
});
