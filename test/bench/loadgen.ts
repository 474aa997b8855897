/**
 * The load generator: a child process of the benchmark, so its CPU is not the measured
 * system's (nor the observer's). It holds N MQTT.js handsets and, on command over IPC, connects
 * them, or publishes positions at a total rate spread evenly over time and handsets, plus text
 * probes and emergency presses. It reports send times (for the observer to join on), PUBACK
 * latencies, how far behind schedule it fell, and its own CPU.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { FleetClient } from './systems';
import { nowMs, summarize, type Summary } from './stats';

export interface ConnectCmd {
  cmd: 'connect';
  url: string;
  clients: FleetClient[];
  concurrency: number;
  subscribeDown: boolean;
}
export interface RunCmd {
  cmd: 'run';
  hz: number;
  seconds: number;
  /** Sends in the first this-many seconds are not recorded (JIT, caches, connection warm-up). */
  warmupSeconds: number;
  /** A text message from some handset every this many ms (0: none). */
  probeEveryMs: number;
  probeBytes: number;
  /** An emergency press from a configured unit's handset every this many ms (0: none). */
  emergencyEveryMs: number;
}
export type LoadCmd = ConnectCmd | RunCmd | { cmd: 'stop' };

export interface ConnectReply {
  connected: number;
  failed: number;
  errors: string[];
  totalMs: number;
  perConnect: Summary;
}
export interface RunReply {
  sent: number;
  acked: number;
  /** QoS 1 publishes with no PUBACK by the end of the grace period. */
  unacked: number;
  errors: number;
  puback: Summary;
  /** How late sends left against their schedule: a generator falling behind shows here. */
  lag: Summary;
  cpuPct: number;
  /** Recorded sends, as parallel arrays: key (topic-derived) and send time (nowMs). */
  positions: { keys: string[]; times: number[] };
  probes: { keys: string[]; times: number[] };
  emergencies: Record<number, number[]>;
  durationS: number;
}

const clients: Array<{ c: MqttClient; f: FleetClient }> = [];

async function connectAll(cmd: ConnectCmd): Promise<ConnectReply> {
  const times: number[] = [];
  const errors: string[] = [];
  let next = 0;
  const t0 = nowMs();
  const worker = async () => {
    while (next < cmd.clients.length) {
      const f = cmd.clients[next++]!;
      const started = nowMs();
      const c = mqtt.connect(cmd.url, {
        clientId: f.clientId,
        username: f.username,
        password: f.password,
        reconnectPeriod: 0,
        connectTimeout: 60_000,
        keepalive: 120,
      });
      try {
        await new Promise<void>((resolve, reject) => {
          c.once('connect', () => resolve());
          c.once('error', reject);
          c.once('close', () => reject(new Error('closed before CONNACK')));
        });
        if (cmd.subscribeDown) await c.subscribeAsync(`tw/v1/radio/${f.issi}/down`, { qos: 1 });
        times.push(nowMs() - started);
        c.on('error', () => undefined);
        clients.push({ c, f });
      } catch (err) {
        if (errors.length < 5) errors.push((err as Error).message);
        c.end(true);
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, worker));
  return { connected: times.length, failed: cmd.clients.length - times.length, errors, totalMs: nowMs() - t0, perConnect: summarize(times) };
}

async function run(cmd: RunCmd): Promise<RunReply> {
  const n = clients.length;
  const rate = n * cmd.hz;
  const units = clients.filter((x) => x.f.unit);
  const others = clients.filter((x) => !x.f.unit);
  const lastFix = new Float64Array(n);
  const puback: number[] = [];
  const lag: number[] = [];
  const positions = { keys: [] as string[], times: [] as number[] };
  const probes = { keys: [] as string[], times: [] as number[] };
  const emergencies: Record<number, number[]> = {};
  let sent = 0;
  let acked = 0;
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  const recordFrom = t0 + cmd.warmupSeconds * 1000;
  const end = t0 + (cmd.warmupSeconds + cmd.seconds) * 1000;
  const text = (n: number) => `probe-${n} ${'.'.repeat(Math.max(0, cmd.probeBytes - 12))}`;

  const publish = (c: MqttClient, topic: string, payload: string, at: number, record: boolean) => {
    sent++;
    c.publish(topic, payload, { qos: 1 }, (err) => {
      if (err) return void errors++;
      acked++;
      if (record) puback.push(nowMs() - at);
    });
  };

  await new Promise<void>((resolve) => {
    let j = 0; // position sends so far; the j-th is due at t0 + j / rate, from handset j mod n
    let probeNo = 0;
    let pressNo = 0;
    const tick = () => {
      const now = nowMs();
      const due = Math.min(Math.floor(((Math.min(now, end) - t0) / 1000) * rate), Math.ceil(((end - t0) / 1000) * rate));
      for (; j < due; j++) {
        const i = j % n;
        const { c, f } = clients[i]!;
        const at = nowMs();
        const record = at >= recordFrom;
        if (record) lag.push(at - (t0 + (j / rate) * 1000));
        // A fix time unique per handset: the observer joins on (ISSI, fixTime).
        const fixMs = Math.max(Date.now(), lastFix[i]! + 1);
        lastFix[i] = fixMs;
        const fixTime = new Date(fixMs).toISOString();
        const payload = `{"lat":${(52.955 + (i % 100) * 1e-5).toFixed(6)},"lon":${(-1.15 + (j % 100) * 1e-5).toFixed(6)},"accuracyM":5,"speedKmh":4.5,"headingDeg":90,"fixTime":"${fixTime}"}`;
        if (record) {
          positions.keys.push(`${f.issi}|${fixTime}`);
          positions.times.push(at);
        }
        publish(c, `tw/v1/radio/${f.issi}/position`, payload, at, record);
      }
      if (cmd.probeEveryMs > 0 && others.length > 0) {
        for (; t0 + probeNo * cmd.probeEveryMs <= Math.min(now, end); probeNo++) {
          const { c, f } = others[(probeNo * 7919) % others.length]!;
          const at = nowMs();
          const key = text(probeNo);
          if (at >= recordFrom) {
            probes.keys.push(key.split(' ')[0]!);
            probes.times.push(at);
          }
          publish(c, `tw/v1/radio/${f.issi}/text`, JSON.stringify({ to: 9001, text: key }), at, false);
        }
      }
      if (cmd.emergencyEveryMs > 0 && units.length > 0) {
        for (; t0 + (pressNo + 0.5) * cmd.emergencyEveryMs <= Math.min(now, end); pressNo++) {
          const { c, f } = units[pressNo % units.length]!;
          const at = nowMs();
          // Every press is recorded (the observer counts presses per ISSI to pair them).
          (emergencies[f.issi] ??= []).push(at);
          publish(c, `tw/v1/radio/${f.issi}/emergency`, '{"state":"pressed"}', at, false);
        }
      }
      if (now >= end) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const durationS = (nowMs() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Grace for the last PUBACKs; what has none by then is counted as unacknowledged.
  const graceEnd = nowMs() + 15_000;
  while (acked + errors < sent && nowMs() < graceEnd) await new Promise((r) => setTimeout(r, 50));
  return {
    sent,
    acked,
    errors,
    unacked: sent - acked - errors,
    puback: summarize(puback),
    lag: summarize(lag),
    cpuPct: ((cpu.user + cpu.system) / 1000 / (durationS * 1000)) * 100,
    positions,
    probes,
    emergencies,
    durationS,
  };
}

async function stop(): Promise<void> {
  await Promise.all(clients.splice(0).map(({ c }) => c.endAsync(true).catch(() => undefined)));
}

process.on('message', (msg: LoadCmd) => {
  const work = msg.cmd === 'connect' ? connectAll(msg) : msg.cmd === 'run' ? run(msg) : stop();
  work.then(
    (result) => process.send!({ ok: true, result }),
    (err: Error) => process.send!({ ok: false, error: err.stack ?? err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
