import { EventEmitter } from 'node:events';
import { FrameType, HEARTBEAT_MS, MAX_CHUNK, MAX_TRIES, MAX_WINDOW, RETRANSMIT_MS, V2_MAX_CHUNK, V2_MAX_WINDOW } from '../../devices/dock/constants';
import { mulberry32 } from '../random';
import { FileContent, fileSha256 } from './content';
import type { FaultName, FaultState } from './faults';
import { SimLinkReset } from './sim-arq';
import { SimLink } from './sim-link';
import { simEncodeData } from './wire';

export { fileSha256 } from './content';

export interface SimCamera {
  serial: string;
  bay: number;
  /** `sameAs`: the bytes are those of another camera's recording (a copied clip): same hash, different exhibit. */
  files: Array<{ name: string; size: number; sameAs?: { serial: string; name: string } }>;
  batt?: number;
  wearer?: string;
  /** Every file on this camera is damaged after its hash was taken. */
  badHash?: boolean;
  /** Docked when the simulator starts (default true). */
  docked?: boolean;
}

export interface DockSimulatorOptions {
  path: string;
  dockId: string;
  bays: number;
  seed: number;
  cameras: SimCamera[];
  fw?: string;
  baudRate?: number;
  retransmitMs?: number;
  maxTries?: number;
  heartbeatMs?: number;
  window?: number;
  chunk?: number;
  /**
   * The protocol versions this dock lists in HELLO. Absent: a version 1 dock as it always was (no
   * `versions` in HELLO); `[1, 2]`: a version 2 dock, which still links as version 1 to an older gateway.
   */
  versions?: number[];
  /** Window and DATA size on a version 2 link (default the protocol's 64 and 4064). */
  windowV2?: number;
  chunkV2?: number;
  faultRate?: number;
  slowBytesPerSec?: number;
  reopenMs?: number;
  /** When the cameras' shift began (recordings are dated from it); default 8 hours ago. */
  shiftStart?: number;
  /** The socat pair to pull; without it a pulled cable just goes silent. */
  cable?: { pull(): Promise<void>; restore(): Promise<void> };
  log?: (msg: string) => void;
}

interface SimFile {
  name: string;
  size: number;
  sameAs?: { serial: string; name: string } | undefined;
  fileNo: number;
  erased: boolean;
  /** Refused (hash mismatch) during this docking; offered again after the next one. */
  settled: boolean;
}

interface Cam {
  cfg: SimCamera;
  docked: boolean;
  files: SimFile[];
}

class CameraGone extends Error {}

/**
 * A body-worn camera dock on a serial line, speaking the dock protocol with its own faults.
 * It erases a recording when, and only when, the gateway sends ERASE_OK for it.
 */
export class DockSimulator extends EventEmitter<{ erased: [string, string]; rejected: [string, string, string]; link: [boolean] }> {
  readonly erased = new Set<string>();
  private readonly shiftStart: number;
  readonly rejected = new Set<string>();
  readonly requests: Array<{ serial: string; name: string; fileNo: number; offset: number }> = [];
  readonly faults: FaultState;
  private readonly cams: Cam[];
  private readonly link: SimLink;
  private readonly cfg: Required<Omit<DockSimulatorOptions, 'cable' | 'log' | 'fw' | 'shiftStart' | 'versions'>> & { fw: string };
  private stopped = true;
  private running: Promise<void> | undefined;
  private pullPlan: { fraction: number; downMs: number; name?: string | undefined; fired: boolean } | undefined;
  private hashes = new Map<string, Promise<string>>();

  constructor(private readonly opts: DockSimulatorOptions) {
    super();
    this.shiftStart = opts.shiftStart ?? Date.now() - 8 * 3_600_000;
    this.cfg = {
      fw: 'townwatch-sim/1',
      baudRate: 115200,
      retransmitMs: RETRANSMIT_MS,
      maxTries: MAX_TRIES,
      heartbeatMs: HEARTBEAT_MS,
      window: MAX_WINDOW,
      chunk: MAX_CHUNK,
      windowV2: V2_MAX_WINDOW,
      chunkV2: V2_MAX_CHUNK,
      faultRate: 0.02,
      slowBytesPerSec: 64 * 1024,
      reopenMs: 100,
      ...opts,
    };
    this.faults = {
      on: new Set(),
      rate: this.cfg.faultRate,
      slowBytesPerSec: this.cfg.slowBytesPerSec,
      silent: false,
      rng: mulberry32(opts.seed ^ 0x5eed),
      counters: { dropped: 0, flipped: 0, duplicated: 0 },
    };
    this.cams = opts.cameras.map((cfg, ci) => ({
      cfg,
      docked: cfg.docked ?? true,
      // Stable across restarts so a resumed transfer finds its partial file at the gateway.
      files: cfg.files.map((f, fi) => ({ ...f, fileNo: ((ci + 1) << 16) | (fi + 1), erased: false, settled: false })),
    }));
    const { path, baudRate, retransmitMs, maxTries, heartbeatMs, window, windowV2, reopenMs } = this.cfg;
    this.link = new SimLink({
      path,
      baudRate,
      hello: { dockId: opts.dockId, fw: this.cfg.fw, bays: opts.bays },
      versions: opts.versions,
      retransmitMs,
      maxTries,
      heartbeatMs,
      window,
      windowV2,
      reopenMs,
      faults: this.faults,
      log: (msg) => this.log(msg),
    });
    this.link.on('link', (up) => this.emit('link', up));
  }

  /** DATA payload bytes put on the wire, retransmissions included. */
  get bytesSent(): number {
    return this.link.bytesSent;
  }

  get stats(): { linkResets: number; naksIn: number; framesOut: number } {
    return this.link.stats;
  }

  get isLinked(): boolean {
    return this.link.isLinked;
  }

  /** The version of the current link (1 while unlinked). */
  get linkVersion(): number {
    return this.link.version;
  }

  /** NAK reasons the gateway refused this dock's HELLO with (11 wrong dock id, 13 no version in common). */
  get helloRefusals(): readonly number[] {
    return this.link.refusals;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.link.start();
    this.running = this.run();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.link.stop();
    await this.running;
  }

  setFault(name: FaultName, on: boolean): void {
    if (on) this.faults.on.add(name);
    else this.faults.on.delete(name);
  }

  dock(serial: string): void {
    const cam = this.cam(serial);
    cam.docked = true;
    for (const f of cam.files) f.settled = false;
    if (this.link.isLinked) this.sendEvent('docked', cam);
    this.link.mail.poke();
  }

  undock(serial: string): void {
    const cam = this.cam(serial);
    cam.docked = false;
    if (this.link.isLinked) this.sendEvent('undocked', cam);
    this.link.mail.poke();
  }

  async pullCable(): Promise<void> {
    this.log('cable pulled');
    if (this.opts.cable) await this.opts.cable.pull();
    else this.faults.silent = true;
  }

  async restoreCable(): Promise<void> {
    this.log('cable restored');
    if (this.opts.cable) await this.opts.cable.restore();
    else this.faults.silent = false;
  }

  /** Pull the cable when a file (the next one, or `name`) is `fraction` sent; plug it back after `downMs`. */
  pullAt(fraction: number, downMs: number, name?: string): void {
    this.pullPlan = { fraction, downMs, name, fired: false };
  }

  /** True once every file of every docked camera is erased or was refused this docking. */
  get settled(): boolean {
    return this.cams.every((c) => !c.docked || c.files.every((f) => f.erased || f.settled));
  }

  whenSettled(): Promise<void> {
    if (this.settled) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.settled) return;
        this.off('erased', check).off('rejected', check);
        resolve();
      };
      this.on('erased', check).on('rejected', check);
    });
  }

  private cam(serial: string): Cam {
    const cam = this.cams.find((c) => c.cfg.serial === serial);
    if (!cam) throw new Error(`no camera ${serial}`);
    return cam;
  }

  private log(msg: string): void {
    this.opts.log?.(`[dock ${this.opts.dockId}] ${msg}`);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.link.handshake(() => this.stopped);
        for (const cam of this.cams) if (cam.docked) this.sendEvent('docked', cam);
        await this.offload();
      } catch (err) {
        if (this.stopped) return;
        if (!(err instanceof SimLinkReset)) {
          this.log(`offload error: ${(err as Error).message}`);
          await sleep(this.cfg.retransmitMs);
        }
      }
    }
  }

  private sendEvent(e: 'docked' | 'undocked', cam: Cam): void {
    const files = cam.files.filter((f) => !f.erased).length;
    this.link.send(FrameType.DOCK_EVENT, { e, bay: cam.cfg.bay, cam: cam.cfg.serial, batt: cam.cfg.batt ?? 80, files });
  }

  private async offload(): Promise<void> {
    for (;;) {
      if (this.stopped) throw new SimLinkReset('stopped');
      const cam = this.cams.find((c) => c.docked && c.files.some((f) => !f.erased && !f.settled));
      const file = cam?.files.find((f) => !f.erased && !f.settled);
      if (!cam || !file) {
        await this.link.mail.idle(this.cfg.heartbeatMs);
        this.link.ensureLinked();
        continue;
      }
      try {
        await this.transfer(cam, file);
      } catch (err) {
        if (!(err instanceof CameraGone)) throw err;
        this.log(`${cam.cfg.serial} undocked during ${file.name}`);
      }
    }
  }

  /**
   * Hashes every recording now (by `serial/name`). A real camera has its hashes from when it
   * recorded; a benchmark calls this first so that the simulator's hashing stays out of its clock.
   */
  async prepare(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const cam of this.cams) for (const f of cam.files) out.set(`${cam.cfg.serial}/${f.name}`, await this.hashOf(cam.cfg.serial, f));
    return out;
  }

  private hashOf(serial: string, file: SimFile): Promise<string> {
    const key = `${serial}/${file.name}`;
    let hash = this.hashes.get(key);
    const src = file.sameAs ?? { serial, name: file.name };
    if (!hash) this.hashes.set(key, (hash = fileSha256(this.opts.seed, src.serial, src.name, file.size)));
    return hash;
  }

  private async transfer(cam: Cam, file: SimFile): Promise<void> {
    const { serial } = cam.cfg;
    const key = `${serial}/${file.name}`;
    const sha256 = await this.hashOf(serial, file);
    this.link.ensureLinked();
    const corrupt = cam.cfg.badHash || this.faults.on.has('bad-hash');
    const src = file.sameAs ?? { serial, name: file.name };
    const content = new FileContent(this.opts.seed, src.serial, src.name, file.size, corrupt ? Math.floor(file.size / 2) : undefined);
    const { fileNo, name, size } = file;
    // The offer's chunk is the link's: a version 1 link never sees more than 1024 bytes of DATA.
    const chunk = this.link.version >= 2 ? this.cfg.chunkV2 : this.cfg.chunk;
    // Recorded during the shift that just ended, ten minutes apart.
    const recStart = this.shiftStart + (fileNo & 0xffff) * 600_000;
    this.link.send(FrameType.FILE_OFFER, {
      fileNo,
      cam: serial,
      bay: cam.cfg.bay,
      name,
      size,
      sha256,
      recStart: new Date(recStart).toISOString(),
      // About 8 Mbit/s, like 1080p body-worn video.
      recEnd: new Date(recStart + Math.ceil(size / 1000)).toISOString(),
      ...(cam.cfg.wearer ? { wearer: cam.cfg.wearer } : {}),
      chunk,
    });
    const gone = (): boolean => !cam.docked;
    let req = await this.link.mail.take((m) => m.type === 'req' && m.fileNo === fileNo, gone, CameraGone);
    for (;;) {
      let offset = req.type === 'req' ? req.offset : 0;
      this.requests.push({ serial, name, fileNo, offset });
      while (offset < size) {
        if (gone()) throw new CameraGone();
        const again = this.link.mail.poll((m) => m.type === 'req' && m.fileNo === fileNo);
        if (again?.type === 'req') {
          offset = again.offset;
          this.requests.push({ serial, name, fileNo, offset });
        }
        this.maybePull(file, offset);
        await this.link.whenWritable();
        const n = Math.min(chunk, size - offset);
        this.link.send(FrameType.DATA, simEncodeData(fileNo, offset, content.read(offset, n), chunk));
        offset += n;
      }
      this.link.ensureLinked();
      this.link.send(FrameType.FILE_END, { fileNo });
      req = await this.link.mail.take((m) => (m.type === 'done' || m.type === 'req') && m.fileNo === fileNo, gone, CameraGone);
      if (req.type === 'req') continue;
      break;
    }
    if (req.type !== 'done') return;
    if (!req.ok) {
      file.settled = true;
      this.rejected.add(key);
      this.log(`${key} refused: ${req.reason ?? '?'}`);
      this.emit('rejected', serial, name, req.reason ?? '');
      return;
    }
    // Verified is not enough: the footage may be erased only once custody is recorded.
    if (!this.faults.on.has('erase-early')) await this.link.mail.take((m) => m.type === 'erase' && m.fileNo === fileNo, gone, CameraGone);
    file.erased = true;
    this.erased.add(key);
    this.log(`${key} erased after ERASE_OK`);
    this.emit('erased', serial, name);
  }

  private maybePull(file: SimFile, offset: number): void {
    const plan = this.pullPlan;
    if (!plan || plan.fired || (plan.name && plan.name !== file.name) || offset < plan.fraction * file.size) return;
    plan.fired = true;
    void (async () => {
      await this.pullCable();
      await sleep(plan.downMs);
      await this.restoreCable();
    })().catch((err: unknown) => this.log(`cable plan failed: ${(err as Error).message}`));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
