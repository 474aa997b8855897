/**
 * The benchmark's two halves around the system under test: the load generator (a child
 * process, driven over IPC) and the observer (in the benchmark process: an MQTT subscriber on
 * every system, and on Townwatch also a controller's Socket.IO console). Latency is observed
 * time minus send time, on the shared monotonic clock, joined on what both sides can see.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../gateway/contract/socket';
import { login } from '../helpers/gateway';
import type { ConnectCmd, ConnectReply, LoadCmd, RunCmd, RunReply } from './loadgen';
import { nowMs, summarize, type Summary } from './stats';
import type { System } from './systems';

export class LoadGen {
  private constructor(private readonly child: ChildProcess) {}

  static start(): LoadGen {
    const child = fork(join(import.meta.dirname, 'loadgen.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new LoadGen(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  private request<T>(cmd: LoadCmd): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onExit = () => reject(new Error('load generator exited'));
      this.child.once('exit', onExit);
      this.child.once('message', (reply: { ok: boolean; result?: T; error?: string }) => {
        this.child.off('exit', onExit);
        if (reply.ok) resolve(reply.result as T);
        else reject(new Error(reply.error));
      });
      this.child.send(cmd);
    });
  }

  connect(cmd: Omit<ConnectCmd, 'cmd'>): Promise<ConnectReply> {
    return this.request({ cmd: 'connect', ...cmd });
  }

  run(cmd: Omit<RunCmd, 'cmd'>): Promise<RunReply> {
    return this.request({ cmd: 'run', ...cmd });
  }

  async close(): Promise<void> {
    await this.request({ cmd: 'stop' }).catch(() => undefined);
    this.child.disconnect();
    if (this.child.exitCode === null) await new Promise((r) => this.child.once('exit', r));
  }
}

type Console = Socket<ServerToClientEvents, ClientToServerEvents>;

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
  mqttReceived = 0;
  /** The observer's own MQTT connection closed during the run: what it missed is not the system's loss. */
  dropped = false;
  private sub: MqttClient | null = null;
  consoleSocket: Console | null = null;

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
    if (opts.console && system.httpPort) this.consoleSocket = await this.openConsole(system.httpPort, 'controller', opts.resolveEmergencies);
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

  async openConsole(httpPort: number, username: string, resolveEmergencies: boolean): Promise<Console> {
    const cookie = await login(httpPort, username);
    const socket: Console = ioClient(`http://127.0.0.1:${httpPort}`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    socket.on('units:positions', (list) => {
      const t = nowMs();
      for (const p of list) this.consolePositions.set(`${p.issi}|${p.fixTime}`, t);
    });
    socket.on('journal:events', ({ events }) => {
      const t = nowMs();
      for (const e of events) {
        const p = e.payload as { issi?: number; text?: string; state?: string; causeSeq?: number };
        if (e.type === 'radio.text' && p.text?.startsWith('probe-')) this.consoleProbes.set(p.text.split(' ')[0]!, t);
        else if (e.type === 'radio.emergency' && p.state === 'pressed' && p.issi !== undefined) {
          const list = this.consoleEmergencies.get(p.issi) ?? [];
          list.push({ t, seq: e.seq });
          this.consoleEmergencies.set(p.issi, list);
        } else if (e.type === 'emergency.raised' && p.causeSeq !== undefined) {
          this.consoleRaised.set(p.causeSeq, t);
          // A controller deals with it, so the unit's next press raises a new emergency.
          if (resolveEmergencies && e.ref) {
            const id = e.ref;
            socket.emit('emergency:acknowledge', { id }, () => socket.emit('emergency:resolve', { id, outcome: 'false', note: 'bench' }, () => undefined));
          }
        }
      }
    });
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
    return socket;
  }

  /** Waits until nothing new has arrived for a second (at most `maxMs`): the tail of a backlog is seen, not counted lost. */
  async settle(maxMs = 15_000): Promise<void> {
    const end = nowMs() + maxMs;
    let last = -1;
    let quietSince = nowMs();
    while (nowMs() < end) {
      const count = this.mqttReceived + this.consoleProbes.size + this.consolePositions.size;
      if (count !== last) {
        last = count;
        quietSince = nowMs();
      } else if (nowMs() - quietSince >= 1000) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Forget what was seen (between runs on one connection). */
  reset(): void {
    for (const m of [
      this.mqttPositions,
      this.mqttProbes,
      this.mqttEmergencies,
      this.consolePositions,
      this.consoleProbes,
      this.consoleEmergencies,
      this.consoleRaised,
    ])
      m.clear();
    this.mqttReceived = 0;
  }

  async close(): Promise<void> {
    this.sub?.removeAllListeners('close');
    this.consoleSocket?.disconnect();
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
export function joinRaised(sends: Record<number, number[]>, obs: Observer): Summary {
  const lat: number[] = [];
  for (const [issi, times] of Object.entries(sends)) {
    const seen = obs.consoleEmergencies.get(Number(issi)) ?? [];
    times.forEach((t, i) => {
      const ev = seen[i];
      const raised = ev ? obs.consoleRaised.get(ev.seq) : undefined;
      if (raised !== undefined) lat.push(raised - t);
    });
  }
  return summarize(lat);
}
