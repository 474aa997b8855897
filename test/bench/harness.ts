/**
 * The benchmark's two halves around the system under test: the load generator (a child
 * process, driven over IPC) and the observer (in the benchmark process: an MQTT subscriber on
 * every system; on Townwatch also a controller's Socket.IO console, in a child process of its
 * own, as a control room's browser would be). Latency is observed
 * time minus send time, on the shared monotonic clock, joined on what both sides can see.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { ConsoleCmd, ConsoleRecords } from './console-observer';
import type { ConnectCmd, ConnectReply, LoadCmd, RunCmd, RunReply } from './loadgen';
import { nowMs, summarize, type Summary } from './stats';
import type { System } from './systems';

/** A child process of the benchmark that answers each command sent over IPC, one at a time. */
class Child<Cmd extends { cmd: string }> {
  private readonly child: ChildProcess;

  constructor(
    file: string,
    private readonly name: string,
  ) {
    this.child = fork(join(import.meta.dirname, file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  get pid(): number {
    return this.child.pid!;
  }

  request<T>(cmd: Cmd): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onExit = () => reject(new Error(`${this.name} exited`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply: { ok: boolean; result?: T; error?: string }) => {
        this.child.off('exit', onExit);
        if (reply.ok) resolve(reply.result as T);
        else reject(new Error(reply.error));
      });
      this.child.send(cmd);
    });
  }

  async close(stop: Cmd): Promise<void> {
    await this.request(stop).catch(() => undefined);
    this.child.disconnect();
    if (this.child.exitCode === null) await new Promise((r) => this.child.once('exit', r));
  }
}

export class LoadGen {
  private constructor(private readonly child: Child<LoadCmd>) {}

  static start(): LoadGen {
    return new LoadGen(new Child('loadgen.ts', 'load generator'));
  }

  get pid(): number {
    return this.child.pid;
  }

  private request<T>(cmd: LoadCmd): Promise<T> {
    return this.child.request(cmd);
  }

  connect(cmd: Omit<ConnectCmd, 'cmd'>): Promise<ConnectReply> {
    return this.request({ cmd: 'connect', ...cmd });
  }

  run(cmd: Omit<RunCmd, 'cmd'>): Promise<RunReply> {
    return this.request({ cmd: 'run', ...cmd });
  }

  close(): Promise<void> {
    return this.child.close({ cmd: 'stop' });
  }
}

/** Receive times, keyed the way the load generator keyed its send times. */
export class Observer {
  readonly mqttPositions = new Map<string, number>();
  readonly mqttProbes = new Map<string, number>();
  readonly mqttEmergencies = new Map<number, number[]>();
  readonly consolePositions = new Map<string, number>();
  readonly consoleProbes = new Map<string, number>();
  /** radio.emergency events at the console, per ISSI, in order: time and seq. */
  readonly consoleEmergencies = new Map<number, Array<{ t: number; seq: number }>>();
  /** emergency.raised at the console, by the seq of the radio.emergency that caused it. */
  readonly consoleRaised = new Map<number, number>();
  /** The emergency's id at the console, by the seq of the radio.emergency that caused it. */
  readonly consoleRaisedIds = new Map<number, string>();
  /** The alarm (`emergency:raising`, before the commit) at the console, by emergency id. */
  readonly consoleAlarms = new Map<string, number>();
  mqttReceived = 0;
  /** The observer's own MQTT connection closed during the run: what it missed is not the system's loss. */
  dropped = false;
  private sub: MqttClient | null = null;
  /** The controller's console, in its own process (console-observer.ts). */
  private console: Child<ConsoleCmd> | null = null;

  async start(system: System, opts: { console: boolean; resolveEmergencies: boolean }): Promise<void> {
    // No keepalive: a broker with a backlog answers PINGREQ late, and a dropped observer would
    // count every later message as lost.
    const sub = mqtt.connect(`mqtt://127.0.0.1:${system.mqttPort}`, {
      clientId: `service-bench-observer-${process.pid}`,
      reconnectPeriod: 0,
      keepalive: 0,
      ...system.observer,
    });
    await new Promise<void>((resolve, reject) => sub.once('connect', () => resolve()).once('error', reject));
    sub.on('message', (topic, payload) => this.onMqtt(topic, payload));
    sub.on('close', () => (this.dropped = true));
    await sub.subscribeAsync('tw/v1/radio/+/+', { qos: 1 });
    this.sub = sub;
    if (opts.console && system.httpPort) {
      this.console = new Child<ConsoleCmd>('console-observer.ts', 'console observer');
      await this.console.request({ cmd: 'start', httpPort: system.httpPort, username: 'controller', resolveEmergencies: opts.resolveEmergencies });
    }
  }

  /** The console observer's process, for its CPU (null without a console). */
  get consolePid(): number | null {
    return this.console?.pid ?? null;
  }

  private onMqtt(topic: string, payload: Buffer): void {
    const t = nowMs();
    this.mqttReceived++;
    const [, , , issi, kind] = topic.split('/');
    const text = payload.toString();
    if (kind === 'position') {
      const fix = /"fixTime":"([^"]+)"/.exec(text)?.[1];
      if (fix) this.mqttPositions.set(`${issi}|${fix}`, t);
    } else if (kind === 'text') {
      const probe = /"text":"(probe-\d+)/.exec(text)?.[1];
      if (probe) this.mqttProbes.set(probe, t);
    } else if (kind === 'emergency') {
      const list = this.mqttEmergencies.get(Number(issi)) ?? [];
      list.push(t);
      this.mqttEmergencies.set(Number(issi), list);
    }
  }

  /** Waits until nothing new has arrived for a second (at most `maxMs`): the tail of a backlog is seen, not counted lost. */
  async settle(maxMs = 15_000): Promise<void> {
    const end = nowMs() + maxMs;
    let last = -1;
    let quietSince = nowMs();
    while (nowMs() < end) {
      const count = this.mqttReceived + (this.console ? await this.console.request<number>({ cmd: 'count' }) : 0);
      if (count !== last) {
        last = count;
        quietSince = nowMs();
      } else if (nowMs() - quietSince >= 1000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.collect();
  }

  /** Takes over what the console observer has seen so far (`settle` does, at its end). */
  async collect(): Promise<void> {
    if (!this.console) return;
    const r = await this.console.request<ConsoleRecords>({ cmd: 'collect' });
    for (const [k, t] of r.positions) this.consolePositions.set(k, t);
    for (const [k, t] of r.probes) this.consoleProbes.set(k, t);
    for (const [issi, list] of r.emergencies) this.consoleEmergencies.set(issi, list);
    for (const [seq, t] of r.raised) this.consoleRaised.set(seq, t);
    for (const [seq, id] of r.raisedIds) this.consoleRaisedIds.set(seq, id);
    for (const [id, t] of r.alarms) this.consoleAlarms.set(id, t);
  }

  /** Forget what was seen (between runs on one connection). */
  async reset(): Promise<void> {
    for (const m of [
      this.mqttPositions,
      this.mqttProbes,
      this.mqttEmergencies,
      this.consolePositions,
      this.consoleProbes,
      this.consoleEmergencies,
      this.consoleRaised,
      this.consoleRaisedIds,
      this.consoleAlarms,
    ])
      m.clear();
    this.mqttReceived = 0;
    await this.console?.request({ cmd: 'reset' });
  }

  async close(): Promise<void> {
    this.sub?.removeAllListeners('close');
    await this.console?.close({ cmd: 'stop' });
    await this.sub?.endAsync(true);
  }
}

/** Latencies of the recorded sends that were seen, and how many were not. */
export function join1(sends: { keys: string[]; times: number[] }, seen: Map<string, number>): Summary & { missing: number } {
  const lat: number[] = [];
  let missing = 0;
  sends.keys.forEach((k, i) => {
    const t = seen.get(k);
    if (t === undefined) missing++;
    else lat.push(t - sends.times[i]!);
  });
  return { ...summarize(lat), missing };
}

/** Emergency presses paired in order per ISSI with what was seen of them. */
export function joinPresses(sends: Record<number, number[]>, seen: (issi: number) => number[]): Summary & { missing: number } {
  const lat: number[] = [];
  let missing = 0;
  for (const [issi, times] of Object.entries(sends)) {
    const got = seen(Number(issi));
    times.forEach((t, i) => {
      const r = got[i];
      if (r === undefined) missing++;
      else lat.push(r - t);
    });
  }
  return { ...summarize(lat), missing };
}

/** Press → emergency.raised, for the presses that raised one (the others were repeats of an open emergency). */
export function joinRaised(sends: Record<number, number[]>, obs: Observer): Summary & { samples: number[] } {
  const { summary, samples } = joinEmergencies(sends, obs, (seq) => obs.consoleRaised.get(seq));
  return { ...summary, samples };
}

/**
 * Press → its emergency's alarm at the console (`emergency:raising`, sent before the commit),
 * for the presses that raised one; `missing` counts emergencies raised without an alarm seen.
 */
export function joinAlarms(sends: Record<number, number[]>, obs: Observer): Summary & { missing: number; samples: number[] } {
  const { summary, missing, samples } = joinEmergencies(sends, obs, (seq) => {
    const id = obs.consoleRaisedIds.get(seq);
    return id === undefined ? undefined : (obs.consoleAlarms.get(id) ?? null);
  });
  return { ...summary, missing, samples };
}

/** Each press paired with its radio.emergency at the console, then `at(seq)`: a time, none expected (undefined), or missing (null). */
function joinEmergencies(
  sends: Record<number, number[]>,
  obs: Observer,
  at: (seq: number) => number | null | undefined,
): { summary: Summary; missing: number; samples: number[] } {
  const lat: number[] = [];
  let missing = 0;
  for (const [issi, times] of Object.entries(sends)) {
    const seen = obs.consoleEmergencies.get(Number(issi)) ?? [];
    times.forEach((t, i) => {
      const ev = seen[i];
      const when = ev ? at(ev.seq) : undefined;
      if (when === null) missing++;
      else if (when !== undefined) lat.push(when - t);
    });
  }
  // Each press's latency too (to 0.01 ms): the tails bench pools the presses of its runs.
  return { summary: summarize(lat), missing, samples: lat.map((v) => Math.round(v * 100) / 100) };
}
