/**
 * A controller's Socket.IO console, in a process of its own (the benchmark's child, driven over
 * IPC like the load generator): a control room's browser does not share its event loop with the
 * MQTT subscriber that takes every message of the fleet, so neither may the benchmark's console.
 * It records when each text probe, emergency press, emergency alarm (`emergency:raising`, before
 * the commit) and `emergency.raised` arrived, on the
 * machine's monotonic clock (`nowMs`), and hands the records over on `collect`.
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../gateway/contract/socket';
import { login } from '../helpers/gateway';
import { nowMs } from './stats';

export interface ConsoleStartCmd {
  cmd: 'start';
  httpPort: number;
  username: string;
  /** Acknowledge and resolve each emergency, as a controller would, so a unit's next press raises a new one. */
  resolveEmergencies: boolean;
}
export type ConsoleCmd = ConsoleStartCmd | { cmd: 'count' } | { cmd: 'collect' } | { cmd: 'reset' } | { cmd: 'stop' };

/** What the console saw, as arrays (IPC carries JSON). */
export interface ConsoleRecords {
  positions: Array<[string, number]>;
  probes: Array<[string, number]>;
  /** radio.emergency per ISSI, in order: time and seq. */
  emergencies: Array<[number, Array<{ t: number; seq: number }>]>;
  /** emergency.raised by the seq of the radio.emergency that caused it. */
  raised: Array<[number, number]>;
  /** The emergency's id by the seq of the radio.emergency that caused it. */
  raisedIds: Array<[number, string]>;
  /** `emergency:raising` (recording), by emergency id: the alarm, before the commit. */
  alarms: Array<[string, number]>;
}

type Console = Socket<ServerToClientEvents, ClientToServerEvents>;

const positions = new Map<string, number>();
const probes = new Map<string, number>();
const emergencies = new Map<number, Array<{ t: number; seq: number }>>();
const raised = new Map<number, number>();
const raisedIds = new Map<number, string>();
const alarms = new Map<string, number>();
let socket: Console | null = null;

async function start(cmd: ConsoleStartCmd): Promise<null> {
  const cookie = await login(cmd.httpPort, cmd.username);
  const s: Console = ioClient(`http://127.0.0.1:${cmd.httpPort}`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  s.on('units:positions', (list) => {
    const t = nowMs();
    for (const p of list) positions.set(`${p.issi}|${p.fixTime}`, t);
  });
  s.on('emergency:raising', (n) => {
    if (n.state === 'recording') alarms.set(n.emergencyId, nowMs());
  });
  s.on('journal:events', ({ events }) => {
    const t = nowMs();
    for (const e of events) {
      const p = e.payload as { issi?: number; text?: string; state?: string; causeSeq?: number };
      if (e.type === 'radio.text' && p.text?.startsWith('probe-')) probes.set(p.text.split(' ')[0]!, t);
      else if (e.type === 'radio.emergency' && p.state === 'pressed' && p.issi !== undefined) {
        const list = emergencies.get(p.issi) ?? [];
        list.push({ t, seq: e.seq });
        emergencies.set(p.issi, list);
      } else if (e.type === 'emergency.raised' && p.causeSeq !== undefined) {
        raised.set(p.causeSeq, t);
        if (e.ref) raisedIds.set(p.causeSeq, e.ref);
        if (cmd.resolveEmergencies && e.ref) {
          const id = e.ref;
          s.emit('emergency:acknowledge', { id }, () => s.emit('emergency:resolve', { id, outcome: 'false', note: 'bench' }, () => undefined));
        }
      }
    }
  });
  await new Promise<void>((resolve, reject) => s.once('connect', () => resolve()).once('connect_error', reject));
  socket = s;
  return null;
}

async function handle(msg: ConsoleCmd): Promise<unknown> {
  switch (msg.cmd) {
    case 'start':
      return start(msg);
    case 'count':
      return positions.size + probes.size + raised.size;
    case 'collect':
      return {
        positions: [...positions],
        probes: [...probes],
        emergencies: [...emergencies],
        raised: [...raised],
        raisedIds: [...raisedIds],
        alarms: [...alarms],
      } satisfies ConsoleRecords;
    case 'reset':
      for (const m of [positions, probes, emergencies, raised, raisedIds, alarms]) m.clear();
      return null;
    case 'stop':
      socket?.disconnect();
      socket = null;
      return null;
  }
}

process.on('message', (msg: ConsoleCmd) => {
  handle(msg).then(
    (result) => process.send!({ ok: true, result }),
    (err: Error) => process.send!({ ok: false, error: err.stack ?? err.message }),
  );
});
