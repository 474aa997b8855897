import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, spawnGateway, testConfig, type ChildGateway } from '../helpers/gateway';

/**
 * `npm start`'s own path to the demo's activity: the gateway spawns the demo simulators, hands
 * them its API's address, and with `demo.activity` on (here every second) they raise a TETRA and
 * an MQTT emergency, a shop's theft report and a breach by the demo suspect, all journaled by the
 * gateway from the devices' and people's own traffic.
 */

let running: ChildGateway | null = null;
afterEach(async () => {
  const gw = running;
  running = null;
  if (!gw) return;
  // A clean stop, which takes the simulator child with it; a stuck one is killed.
  gw.child.kill('SIGTERM');
  const t = setTimeout(() => gw.child.kill('SIGKILL'), 10_000);
  await gw.exited;
  clearTimeout(t);
});

describe('npm start with demo.activity', () => {
  it('journals emergencies from both kinds of radio, a shop report and a breach, from the simulators it spawned', async () => {
    let journal = '';
    const { file } = testConfig((doc) => {
      const dir = (doc.gateway as { dataDir: string }).dataDir;
      journal = join(dir, 'journal.db');
      (doc.radio as Record<string, unknown>).controlStations = [{ id: 'pei-1', serialPath: join(dir, 'pty/pei-1') }];
      // Cameras elsewhere than loopback are real ones the demo leaves alone: no RTSP simulator here.
      for (const c of doc.cameras as Array<{ rtspUrl: string }>) c.rtspUrl = c.rtspUrl.replace(/127\.0\.0\.1:\d+/, '192.0.2.1:554');
      doc.demo = { activity: { enabled: true, firstAfterSeconds: 0, everySeconds: 1, emergencyCancelSeconds: 1 } };
    });
    const gw = (running = await spawnGateway(file, { simulators: true }));
    expect(gw.output()).toMatch(/the demo raises an emergency, a shop report or a suspect's sighting every 1 s/);

    const db = new Database(journal, { readonly: true, fileMustExist: true });
    try {
      const count = (sql: string) => (db.prepare(`SELECT count(*) AS n FROM events WHERE ${sql}`).get() as { n: number }).n;
      const seen = () => ({
        mqttEmergency: count(`type = 'radio.emergency' AND source LIKE 'mqtt:%'`) > 0,
        tetraEmergency: count(`type = 'radio.emergency' AND source LIKE 'pei:%'`) > 0,
        shopReport: count(`type = 'shop.report' AND source LIKE 'mqtt:shop-prem-%'`) > 0,
        breach: count(`type = 'breach.detected'`) > 0,
        suspect: count(`type = 'subject.created' AND actor = 'police'`) === 1,
      });
      const all = { mqttEmergency: true, tetraEmergency: true, shopReport: true, breach: true, suspect: true };
      await eventually(() => JSON.stringify(seen()) === JSON.stringify(all), 90_000, 'every kind of happening').catch(() => undefined);
      expect(seen(), gw.output().slice(-3000)).toEqual(all);
    } finally {
      db.close();
    }
  }, 150_000);
});
