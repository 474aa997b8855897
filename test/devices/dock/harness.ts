import { mkdtemp, rm } from 'node:fs/promises';
import type { SerialPort } from 'serialport';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameType } from '../../../devices/dock/constants';
import type { DockSessionEvent } from '../../../devices/dock/events';
import type { Frame } from '../../../devices/dock/frame';
import { encodeJson } from '../../../devices/dock/messages';
import { isFrameError, pipeDockParser, type ParsedItem } from '../../../devices/dock/parser';
import { DockSession, type DockSessionOptions } from '../../../devices/dock/session';
import { FrameWriter } from '../../../devices/dock/writer';
import type { OfferKey, VerifiedInfo } from '../../../devices/dock/sink';
import type { Gateway } from '../../../gateway/app';
import { EvidenceStore } from '../../../gateway/evidence/store';
import { DockSimulator, type DockSimulatorOptions } from '../../../simulators/dock/dock-sim';
import { openPtyPair, type PtyPair } from '../../../simulators/dock/pty';
import { startGateway, testConfig } from '../../helpers/gateway';

/** Fast timings: the protocol's rules at a tenth of the real clock. */
export const FAST = { retransmitMs: 100, maxTries: 10, heartbeatMs: 500 } as const;

/** An in-process gateway on the demo town whose dock-1 is on a fresh socat PTY in its data dir, at FAST timings. */
export async function startDockGateway(
  overrides?: (doc: Record<string, unknown>) => void,
  timing: { noiseReportMs?: number } = {},
): Promise<{ gw: Gateway; pty: PtyPair; dir: string }> {
  const t = testConfig(overrides);
  const pty = await openPtyPair({ dir: join(t.dir, 'pty') });
  const config = { ...t.config, docks: t.config.docks.map((d, i) => (i === 0 ? { ...d, serialPath: pty.gatewayPath } : d)) };
  const gw = await startGateway(config, { baseDir: t.dir, dockTiming: { ...FAST, ...timing } });
  return { gw, pty, dir: t.dir };
}

/**
 * startDockGateway with a simulated dock-1 (six bays, FAST timings) on the other end of its PTY,
 * started; `stop()` ends the dock, the gateway and the PTY in that order.
 */
export async function startDockGatewayWithSim(
  sim: Omit<DockSimulatorOptions, 'path' | 'cable' | 'dockId' | 'bays'>,
  overrides?: (doc: Record<string, unknown>) => void,
): Promise<{ gw: Gateway; pty: PtyPair; sim: DockSimulator; stop: () => Promise<void> }> {
  const { gw, pty } = await startDockGateway(overrides);
  const dock = new DockSimulator({ ...FAST, dockId: 'dock-1', bays: 6, ...sim, path: pty.dockPath, cable: pty });
  await dock.start();
  return {
    gw,
    pty,
    sim: dock,
    stop: async () => {
      await dock.stop();
      await gw.stop();
      await pty.close();
    },
  };
}

export interface Journal {
  /** Order of custody commits and erasures, as both sides saw them. */
  log: string[];
  committed: Array<{ key: OfferKey; info: VerifiedInfo; path: string }>;
}

/** One gateway (session + store on a temp dir) and one simulated dock on a real socat PTY pair. */
export class Rig {
  dir = '';
  pty!: PtyPair;
  store!: EvidenceStore;
  session!: DockSession;
  sim!: DockSimulator;
  events: DockSessionEvent[] = [];
  journal: Journal = { log: [], committed: [] };
  /** Held open by a test to prove ERASE_OK waits for the journal. */
  commitDelayMs = 0;

  async open(sim: Omit<DockSimulatorOptions, 'path' | 'cable'>, session: Partial<DockSessionOptions> = {}): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'townwatch-dock-'));
    this.pty = await openPtyPair({ dir: this.dir });
    await this.startGateway(session);
    this.sim = new DockSimulator({ ...FAST, ...sim, path: this.pty.dockPath, cable: this.pty });
    this.sim.on('erased', (serial, name) => this.journal.log.push(`erase ${serial}/${name}`));
    await this.sim.start();
  }

  async startGateway(session: Partial<DockSessionOptions> = {}): Promise<void> {
    this.store = new EvidenceStore({
      dir: join(this.dir, 'evidence'),
      onVerified: async (key, info, path) => {
        this.journal.log.push(`commit-start ${key.cam}/${info.offer.name}`);
        if (this.commitDelayMs) await new Promise((r) => setTimeout(r, this.commitDelayMs));
        this.journal.committed.push({ key, info, path });
        this.journal.log.push(`commit ${key.cam}/${info.offer.name}`);
      },
    });
    await this.store.start();
    this.session = new DockSession({
      ...FAST,
      path: this.pty.gatewayPath,
      dockId: 'dock-1',
      sink: this.store,
      reopenMinMs: 50,
      reopenMaxMs: 400,
      ...session,
    });
    this.session.on('event', (ev) => this.events.push(ev));
    await this.session.start();
  }

  async stopGateway(): Promise<void> {
    await this.session.stop();
    await this.store.close();
  }

  of<T extends DockSessionEvent['type']>(type: T): Array<Extract<DockSessionEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<DockSessionEvent, { type: T }> => e.type === type);
  }

  async close(): Promise<void> {
    await this.sim?.stop();
    await this.session?.stop();
    await this.store?.close();
    await this.pty?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

export function until(cond: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (cond()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}

/** A dock played by hand: raw frames out, everything the gateway says collected. */
export class ScriptedDock {
  got: ParsedItem[] = [];
  /** Stops the dock's heartbeats, as a dock that died would. */
  silent = false;
  private writer = new FrameWriter();
  private beat: NodeJS.Timeout;
  /** `maxVersion`: the newest frame version this dock reads (2 to follow a version 2 link). */
  constructor(
    private readonly port: SerialPort,
    maxVersion = 1,
  ) {
    this.writer.pipe(port);
    pipeDockParser(port, undefined, maxVersion).on('data', (item: ParsedItem) => this.got.push(item));
    this.beat = setInterval(() => {
      if (!this.silent) this.send(FrameType.HEARTBEAT, 0, { linked: true });
    }, 100);
  }
  close(): void {
    clearInterval(this.beat);
  }
  send(type: number, seq: number, payload: unknown, ver?: number): void {
    this.writer.writeFrame(type, seq, Buffer.isBuffer(payload) ? payload : encodeJson(payload), ver);
  }
  raw(bytes: Buffer): void {
    this.port.write(bytes);
  }
  frames(type: number): Array<{ seq: number; body: Record<string, unknown> }> {
    return this.got
      .filter((i): i is Frame => !isFrameError(i) && i.type === type)
      .map((f) => ({ seq: f.seq, body: JSON.parse(f.payload.toString()) as Record<string, unknown> }));
  }
  async waitFor(type: number, n = 1): Promise<Array<{ seq: number; body: Record<string, unknown> }>> {
    await until(() => this.frames(type).length >= n, 5000, `${n} frame(s) of type 0x${type.toString(16)}`);
    return this.frames(type);
  }
}
