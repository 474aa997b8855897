import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { verifyJournal } from '../../gateway/journal/verify';
import { demoPassword, spawnGateway, testConfig } from '../helpers/gateway';

const ROUNDS = 5;
const HANDSETS = [2001, 2002, 2003, 2004];

/**
 * The gateway is SIGKILLed while QoS 1 publishers run. Every message whose PUBACK the
 * publisher received must be in the journal after restart, exactly once, and the chain must
 * verify: a PUBACK is sent only after the commit.
 */
describe('crash safety', () => {
  it(`keeps every acknowledged message exactly once across ${ROUNDS} SIGKILLs`, async () => {
    const { config, file } = testConfig();
    const acked = new Set<string>();
    let sent = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const gw = await spawnGateway(file);
      const clients = await Promise.all(
        HANDSETS.map(async (issi) => {
          const c = mqtt.connect(`mqtt://127.0.0.1:${gw.mqttPort}`, {
            clientId: `radio-${issi}-crash`,
            username: `radio-${issi}`,
            password: demoPassword(`radio-${issi}`),
            reconnectPeriod: 0,
          });
          c.on('error', () => undefined);
          await new Promise<void>((resolve) => c.once('connect', () => resolve()));
          return { c, issi };
        }),
      );
      let n = 0;
      const timer = setInterval(() => {
        for (const { c, issi } of clients) {
          if (!c.connected) continue;
          const marker = round * 20_000 + n;
          const key = `${issi}:${marker}`;
          sent++;
          c.publishAsync(`tw/v1/radio/${issi}/position`, JSON.stringify({ lat: 52.955, lon: -1.15, accuracyM: marker, fixTime: new Date().toISOString() }), {
            qos: 1,
          }).then(
            () => acked.add(key),
            () => undefined,
          );
        }
        n++;
      }, 2);
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 900));
      gw.child.kill('SIGKILL');
      await gw.exited;
      clearInterval(timer);
      await Promise.all(clients.map(({ c }) => c.endAsync(true)));
    }
    expect(acked.size).toBeGreaterThan(ROUNDS * 50);

    const db = new Database(config.gateway.journal.path, { readonly: true });
    const rows = db.prepare("SELECT payload FROM events WHERE type = 'radio.position'").all() as Array<{ payload: string }>;
    const seen = new Map<string, number>();
    for (const { payload } of rows) {
      const p = JSON.parse(payload) as { issi: number; accuracyM: number };
      const key = `${p.issi}:${p.accuracyM}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const missing = [...acked].filter((k) => !seen.has(k));
    const doubled = [...seen].filter(([, count]) => count > 1).map(([k]) => k);
    expect(missing, 'acknowledged but not journaled').toEqual([]);
    expect(doubled, 'journaled twice').toEqual([]);
    expect(seen.size).toBeLessThanOrEqual(sent);
    expect(verifyJournal(db)).toMatchObject({ ok: true });
    db.close();
  }, 120_000);
});
