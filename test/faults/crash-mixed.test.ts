import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/schema';
import { DockSimulator } from '../../simulators/dock/dock-sim';
import { openPtyPair, type PtyPair } from '../../simulators/dock/pty';
import { demoPassword, eventually, spawnGateway, testConfig, type ChildGateway } from '../helpers/gateway';
import { command, JournalFile, mqttDedupeKey, openConsole, plain, replayedState, sleep } from './support';

const ROUNDS = 20;
const POSITION_HANDSETS = [2001, 2002, 2003, 2004];
const EMERGENCY_HANDSET = 2005;
/** Footage on two body cameras in the dock: big enough that offloads span several crashes. */
const CAMERAS = [
  {
    serial: 'BWC-0001',
    bay: 1,
    files: [
      { name: 'a-001.mp4', size: 120_000 },
      { name: 'a-002.mp4', size: 150_000 },
    ],
  },
  { serial: 'BWC-0002', bay: 2, files: [{ name: 'b-001.mp4', size: 180_000 }] },
];

/** What the outside world was told is done: QoS 1 PUBACKs (by dedupe key) and console command acks. */
const acked = { mqtt: new Set<string>(), alerts: new Set<string>(), acknowledged: new Set<string>(), resolved: new Set<string>() };
let sent = 0;
let pty: PtyPair | null = null;
let dock: DockSimulator | null = null;
let gw: ChildGateway | null = null;

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await dock?.stop();
  await pty?.close();
});

/** After a restart: the state served equals a replay of the journal file, and nothing acked is missing or doubled. */
async function checkRestart(config: Config, journalPath: string, httpPort: number, cookie: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/state`, { headers: { cookie } });
  const state = ((await res.json()) as { data: { seq: number } }).data;
  const journal = new JournalFile(journalPath);
  try {
    expect(plain(state), 'served state equals a fresh replay of the journal').toEqual(plain(replayedState(config, journal, state.seq, 'controller')));
    expect(journal.verify()).toMatchObject({ ok: true });
    const counts = journal.dedupeCounts(acked.mqtt);
    const wrong = [...counts].filter(([, n]) => n !== 1);
    expect(wrong, 'acknowledged MQTT messages not journaled exactly once').toEqual([]);
    const alertSent = journal.ofType('alert.sent');
    for (const id of acked.alerts)
      expect(
        alertSent.filter((e) => e.ref === id),
        `alert ${id}`,
      ).toHaveLength(1);
    const acks = journal.ofType('emergency.acknowledged');
    for (const id of acked.acknowledged)
      expect(
        acks.filter((e) => e.ref === id),
        `acknowledge ${id}`,
      ).toHaveLength(1);
    const resolutions = journal.ofType('emergency.resolved');
    for (const id of acked.resolved)
      expect(
        resolutions.filter((e) => e.ref === id),
        `resolve ${id}`,
      ).toHaveLength(1);
  } finally {
    journal.close();
  }
}

function connect(port: number, issi: number, round: number): Promise<MqttClient> {
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    clientId: `radio-${issi}-crash-r${round}`,
    username: `radio-${issi}`,
    password: demoPassword(`radio-${issi}`),
    reconnectPeriod: 0,
    // Just after a restart five handsets' passwords are checked at once (scrypt), on a machine the
    // rest of the suite keeps busy: a CONNACK can take seconds. mqtt.js gives up at this timeout
    // and closes, which without a retry fails the round (before, it left the round waiting for ever).
    connectTimeout: 20_000,
  });
  // Errors after the CONNACK are the kills': each client is ended after its round. One before
  // it (a refusing CONNACK, a timeout) is kept to say why the connection closed.
  let why = 'no error';
  c.on('error', (err: Error & { code?: number | string }) => {
    if (!c.connected) why = `${err.message}${err.code === undefined ? '' : ` (code ${err.code})`}`;
  });
  return new Promise((resolve, reject) => {
    const closed = () =>
      reject(
        new Error(
          `radio-${issi} (round ${round}): the connection closed before its CONNACK: ${why}; the gateway's last output:\n${gw?.output().slice(-3000) ?? '(none)'}`,
        ),
      );
    c.once('close', closed);
    c.once('connect', () => {
      c.removeListener('close', closed);
      resolve(c);
    });
  });
}

/**
 * A step of a round, with a deadline: a step that never ends fails with its name and the
 * gateway's last output instead of the whole test's bare timeout.
 */
async function step<T>(what: string, work: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms; the gateway's last output:\n${gw?.output().slice(-3000) ?? '(none)'}`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the gateway answers ready; a request it never answers counts as not ready. */
const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null))?.status === 200;

/** QoS 1 publish; on PUBACK its dedupe key joins the acknowledged set. */
function publish(c: MqttClient, topic: string, body: object): void {
  const payload = JSON.stringify(body);
  sent++;
  c.publishAsync(topic, payload, { qos: 1 }).then(
    (packet) => packet?.messageId !== undefined && acked.mqtt.add(mqttDedupeKey(c.options.clientId!, packet.messageId, payload)),
    () => undefined,
  );
}

/** Positions, emergency presses, console alerts and acknowledgements, until `stop` is called. */
async function mixedLoad(g: ChildGateway, round: number, con: Awaited<ReturnType<typeof openConsole>>): Promise<() => Promise<void>> {
  const [handsets, emergency] = await Promise.all([
    Promise.all(POSITION_HANDSETS.map((issi) => connect(g.mqttPort, issi, round))),
    connect(g.mqttPort, EMERGENCY_HANDSET, round),
  ]);
  let n = 0;
  const positions = setInterval(() => {
    handsets.forEach((c, i) => {
      if (c.connected)
        publish(c, `tw/v1/radio/${POSITION_HANDSETS[i]}/position`, {
          lat: 52.955,
          lon: -1.15,
          accuracyM: round * 100_000 + n,
          fixTime: new Date().toISOString(),
        });
    });
    n++;
  }, 4);
  let press = 0;
  const presses = setInterval(() => {
    if (emergency.connected) publish(emergency, `tw/v1/radio/${EMERGENCY_HANDSET}/emergency`, { state: press++ % 3 === 2 ? 'cancelled' : 'pressed' });
  }, 40);
  let alertNo = 0;
  const alerts = setInterval(() => {
    if (!con.socket.connected) return;
    command<{ id: string }>(con.socket, 'alert:send', { text: `crash round ${round} alert ${alertNo++}`, talkgroups: ['tg-town'] }).then(
      (a) => acked.alerts.add(a.id),
      () => undefined,
    );
  }, 60);
  con.socket.on('journal:events', ({ events }) => {
    for (const e of events) {
      if (e.type !== 'emergency.raised' || !e.ref) continue;
      const id = e.ref;
      // Acknowledge, then resolve, so the next press raises a new emergency.
      command(con.socket, 'emergency:acknowledge', { id })
        .then(() => {
          acked.acknowledged.add(id);
          return command(con.socket, 'emergency:resolve', { id, outcome: 'false', note: `crash round ${round}` });
        })
        .then(
          () => acked.resolved.add(id),
          () => undefined,
        );
    }
  });
  return async () => {
    clearInterval(positions);
    clearInterval(presses);
    clearInterval(alerts);
    con.socket.disconnect();
    await Promise.all([...handsets, emergency].map((c) => c.endAsync(true)));
  };
}

/**
 * The gateway is SIGKILLed at random moments under mixed load: handsets' positions and
 * emergency presses over MQTT QoS 1, a controller's alerts and acknowledgements over Socket.IO,
 * and a body-camera dock offloading footage. After every restart, whatever was acknowledged is
 * in the journal exactly once, the chain verifies, and the state served is what a replay of the
 * journal file gives. At the end, every file the dock erased has exactly one custody record.
 */
describe('crash safety under mixed load', () => {
  it(`keeps every acknowledged action exactly once across ${ROUNDS} SIGKILLs`, async () => {
    const started = Date.now();
    pty = await openPtyPair({ dir: mkdtempSync(join(tmpdir(), 'tw-crash-pty-')) });
    const t = testConfig((doc) => {
      const docks = doc.docks as Array<Record<string, unknown>>;
      docks[0]!.serialPath = pty!.gatewayPath;
    });
    const config = t.config;
    const journalPath = config.gateway.journal.path;
    // A slow line (32 KB/s), so each file's offload is cut by several of the kills.
    dock = new DockSimulator({
      path: pty.dockPath,
      cable: pty,
      dockId: 'dock-1',
      bays: 6,
      seed: 9,
      cameras: CAMERAS,
      reopenMs: 100,
      slowBytesPerSec: 32 * 1024,
    });
    dock.setFault('slow', true);

    const say = (msg: string) => process.env.TW_FAULTS_VERBOSE && process.stderr.write(`[${Date.now() - started} ms] ${msg}\n`);
    for (let round = 0; round < ROUNDS; round++) {
      say(`round ${round}`);
      if (!pty.connected) await step(`round ${round}: plugging the dock back`, pty.restore());
      gw = await spawnGateway(t.file);
      if (round === 0) await dock.start();
      say('spawned');
      await eventually(() => ready(gw!.httpPort), 10_000, `round ${round}: ready after restart`);
      const con = await step(`round ${round}: opening the console`, openConsole(gw.httpPort));
      // The check reads the state at one seq and replays to that seq, so the load may start alongside.
      const [, stop] = await step(
        `round ${round}: checking the restart and starting the load`,
        Promise.all([checkRestart(config, journalPath, gw.httpPort, con.cookie), mixedLoad(gw, round, con)]),
      );
      say('checked, load running');
      await sleep(100 + Math.random() * 500);
      gw.child.kill('SIGKILL');
      await step(`round ${round}: the killed gateway to exit`, gw.exited);
      await step(`round ${round}: stopping the load`, stop());
      say(`killed; ${acked.mqtt.size} acks, ${dock.erased.size} erased`);
      // The dock's serial line drops with the gateway; plug it back for the next start.
      await step(`round ${round}: pulling the dock's cable`, pty.pull());
    }
    await step('plugging the dock back', pty.restore());
    gw = await spawnGateway(t.file);
    await eventually(() => ready(gw!.httpPort), 10_000, 'ready after the last restart');
    // The dock finishes its offload on the last start: every file, custody recorded once.
    await eventually(() => dock!.settled, 60_000, 'the dock to finish its offload');
    const final = await step('opening the console', openConsole(gw.httpPort));
    await step('checking the last restart', checkRestart(config, journalPath, gw.httpPort, final.cookie));
    final.socket.disconnect();

    expect(acked.mqtt.size, 'enough acknowledged messages to mean something').toBeGreaterThan(ROUNDS * 20);
    expect(acked.alerts.size).toBeGreaterThan(ROUNDS);
    expect(acked.mqtt.size).toBeLessThanOrEqual(sent);
    const journal = new JournalFile(journalPath);
    try {
      const verified = journal.ofType('evidence.verified').map((e) => e.payload as { cam: string; name: string; sha256: string });
      const perHash = new Map<string, number>();
      for (const v of verified) perHash.set(v.sha256, (perHash.get(v.sha256) ?? 0) + 1);
      expect(
        [...perHash].filter(([, n]) => n > 1),
        'footage with two custody records',
      ).toEqual([]);
      expect(dock.erased.size, 'every file offloaded in the end').toBe(3);
      expect(dock.requests.filter((r) => r.offset > 0).length, 'offloads resumed mid-file after a kill').toBeGreaterThan(0);
      for (const key of dock.erased) {
        expect(
          verified.filter((v) => `${v.cam}/${v.name}` === key),
          `custody of ${key}, erased by the dock`,
        ).toHaveLength(1);
      }
    } finally {
      journal.close();
    }
    gw.child.kill('SIGTERM');
    await gw.exited;
    gw = null;
    if (process.env.TW_FAULTS_VERBOSE)
      process.stderr.write(
        `crash rounds: ${acked.mqtt.size} MQTT acks, ${acked.alerts.size} alerts, ${acked.acknowledged.size} acknowledgements, ${acked.resolved.size} resolutions, ${dock.erased.size} files offloaded, ${Date.now() - started} ms\n`,
      );
  }, 480_000);
});
