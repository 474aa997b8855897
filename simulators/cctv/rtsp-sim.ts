import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { findExecutable, spawnTied, stopChild, TailBuffer } from '../../devices/cctv/child';

/**
 * RTSP test cameras on loopback: Debian's rtsp-server-perl relays, and one
 * `ffmpeg -re -f lavfi -i testsrc` per camera publishes to it (ANNOUNCE/RECORD) with the
 * camera's name and the time drawn on the picture. The server takes publishers on one port
 * and viewers on another, and answers over UDP only (a TCP-interleaved SETUP gets 400), so
 * clients must use `-rtsp_transport udp`. A camera is taken down by stopping its publisher
 * gracefully (ffmpeg's TEARDOWN drops the mount); a mount a publisher left behind (killed, or
 * refused at RECORD) is removed with a TEARDOWN of our own before the camera comes up again.
 */

export const SERVER_BINARY = 'rtsp-server-perl';

/** Debian's server, with an RTP port allocator that keeps to its range and skips busy ports (see the file). */
const SERVER_LAUNCHER = fileURLToPath(new URL('./rtsp-server.pl', import.meta.url));
/** UDP ports per simulator: two per camera publisher and two per viewer connection, reused in turn. */
const RTP_SPAN = 2000;

export interface RtspSimOptions {
  /** Mount names, e.g. `cam-01`, served at `rtsp://<host>:<clientPort>/<name>`. */
  cameras: readonly string[];
  host?: string;
  /** Where viewers connect (the port in the cameras' rtspUrl). */
  clientPort: number;
  /** Where the test pattern publishers connect; default clientPort + 1. */
  sourcePort?: number;
  /** First of the RTP_SPAN UDP ports the server allocates from (two per publisher and per viewer). */
  rtpStartPort?: number;
  /** Picture size, e.g. `640x360`. */
  size?: string;
  fps?: number;
  /**
   * What the cameras send: MPEG-4 Part 2 (the default: cheapest to encode), or H.264, what real
   * cameras send and what a browser plays, for recorded clips previewed in Chromium.
   */
  codec?: 'mpeg4' | 'h264';
  log?: (line: string) => void;
}

export class MissingDependencyError extends Error {}

/** What the simulator needs and this machine lacks, each with how to get it. */
export function missingCctvSimDeps(): string[] {
  const missing: string[] = [];
  if (!findExecutable('ffmpeg')) missing.push('ffmpeg (apt-get install ffmpeg)');
  if (!findExecutable(SERVER_BINARY)) missing.push(`${SERVER_BINARY} (apt-get install rtsp-server-perl)`);
  return missing;
}

const FONTS = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf'];

/** A drawtext filter when ffmpeg has it and a font is installed; null draws the bare pattern. */
export function labelFilter(name: string): string | null {
  const font = FONTS.find((f) => existsSync(f));
  if (!font || !hasDrawtext()) return null;
  // `\:` keeps the strftime colon from ending the filter option.
  return `drawtext=fontfile=${font}:text='${name} %{localtime\\:%T}':x=8:y=8:fontsize=h/16:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4`;
}

let drawtext: boolean | null = null;
function hasDrawtext(): boolean {
  drawtext ??= / drawtext /.test(spawnSync('ffmpeg', ['-hide_banner', '-filters'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '');
  return drawtext;
}

/** The status code of an RTSP DESCRIBE, or 0 when nothing answers. */
export function rtspDescribe(host: string, port: number, path: string, timeoutMs = 2000): Promise<number> {
  return rtspRequest(host, port, 'DESCRIBE', path, timeoutMs);
}

function rtspRequest(host: string, port: number, method: string, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let text = '';
    const done = (code: number) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(code);
    };
    const timer = setTimeout(() => done(0), timeoutMs);
    sock.on('connect', () => sock.write(`${method} rtsp://${host}:${port}/${path} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`));
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const m = /^RTSP\/1\.0 (\d{3})/.exec(text);
      if (m) done(Number(m[1]));
    });
    sock.on('error', () => done(0));
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class RtspCameraSim {
  private server: ChildProcess | null = null;
  private readonly serverLog = new TailBuffer(4096);
  private readonly pushes = new Map<string, { child: ChildProcess; stderr: TailBuffer }>();
  readonly host: string;
  readonly clientPort: number;
  readonly sourcePort: number;

  constructor(private readonly opts: RtspSimOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.clientPort = opts.clientPort;
    this.sourcePort = opts.sourcePort ?? opts.clientPort + 1;
  }

  url(camera: string): string {
    return `rtsp://${this.host}:${this.clientPort}/${camera}`;
  }

  isUp(camera: string): boolean {
    return this.pushes.has(camera);
  }

  pids(): number[] {
    return [this.server, ...[...this.pushes.values()].map((p) => p.child)].flatMap((c) => (c?.pid ? [c.pid] : []));
  }

  async start(): Promise<void> {
    const missing = missingCctvSimDeps();
    if (missing.length)
      throw new MissingDependencyError(`the CCTV simulator needs ${missing.join(' and ')}; npm start installs both as root (config/system-deps.sh demo)`);
    const rtpStart = String(this.opts.rtpStartPort ?? 20_000);
    const args = [
      SERVER_LAUNCHER,
      rtpStart,
      String(RTP_SPAN),
      this.host,
      findExecutable(SERVER_BINARY)!,
      '--clientport',
      String(this.clientPort),
      '--serverport',
      String(this.sourcePort),
      '--client_listen_address',
      this.host,
      '--source_listen_address',
      this.host,
      '--rtp_start_port',
      rtpStart,
      '--loglevel',
      '1',
    ];
    const server = spawnTied('perl', args);
    this.server = server;
    server.stdout!.on('data', (d: Buffer) => this.serverLog.push(d));
    server.stderr!.on('data', (d: Buffer) => this.serverLog.push(d));
    const open = (port: number) => rtspDescribe(this.host, port, '-').then((code) => code > 0);
    try {
      await until(
        async () => {
          if (server.exitCode !== null) throw new Error(`${SERVER_BINARY} exited: ${this.serverLog.lastLine()}`);
          return (await open(this.clientPort)) && (await open(this.sourcePort));
        },
        30_000,
        `${SERVER_BINARY} on ports ${this.clientPort}/${this.sourcePort}`,
      );
      await Promise.all(this.opts.cameras.map((c) => this.up(c)));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.opts.log?.(`${this.opts.cameras.length} RTSP test cameras at rtsp://${this.host}:${this.clientPort}/<name> (UDP)`);
  }

  /** Starts a camera's publisher and waits until viewers can DESCRIBE it; a failed start is retried. */
  async up(camera: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryUp(camera);
      } catch (err) {
        if (attempt >= 3 || !this.server) throw err;
        this.opts.log?.(`${(err as Error).message}; trying again`);
      }
    }
  }

  private async tryUp(camera: string): Promise<void> {
    if (this.pushes.has(camera)) return;
    await this.clearMount(camera);
    const [size, fps] = [this.opts.size ?? '640x360', this.opts.fps ?? 10];
    const label = labelFilter(camera);
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${size}:rate=${fps}`,
      ...(label ? ['-vf', label] : []),
      ...(this.opts.codec === 'h264'
        ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p']
        : ['-c:v', 'mpeg4', '-q:v', '5']),
      '-g',
      String(fps * 2),
      '-f',
      'rtsp',
      '-rtsp_transport',
      'udp',
      `rtsp://${this.host}:${this.sourcePort}/${camera}`,
    ];
    const child = spawnTied('ffmpeg', args);
    const stderr = new TailBuffer();
    child.stderr!.on('data', (d: Buffer) => stderr.push(d));
    child.stdout!.resume();
    this.pushes.set(camera, { child, stderr });
    child.once('exit', () => {
      if (this.pushes.get(camera)?.child === child) {
        this.pushes.delete(camera);
        this.opts.log?.(`camera ${camera} publisher exited: ${stderr.lastLine() || 'no message'}`);
      }
    });
    const failed = () => new Error(`camera ${camera} did not start: ${stderr.lastLine()}`);
    await until(
      async () => {
        if (!this.pushes.has(camera)) throw failed();
        return (await rtspDescribe(this.host, this.clientPort, camera)) === 200;
      },
      30_000,
      `camera ${camera} to be mounted`,
    );
    // ANNOUNCE mounts the camera; RECORD follows at once and, refused (its RTP port taken), the
    // publisher exits within moments, leaving a mount that will never carry video.
    await new Promise((r) => setTimeout(r, 500));
    if (!this.pushes.has(camera)) throw failed();
  }

  /**
   * Removes a mount nobody publishes to. A publisher that ends without TEARDOWN (killed, or
   * refused at RECORD) leaves its mount behind, and the server then refuses a new ANNOUNCE for
   * it; a TEARDOWN on the publishers' port unmounts it (the server sends no reply to that).
   */
  private async clearMount(camera: string): Promise<void> {
    if ((await rtspDescribe(this.host, this.clientPort, camera)) !== 200) return;
    await rtspRequest(this.host, this.sourcePort, 'TEARDOWN', camera, 300);
    await until(async () => (await rtspDescribe(this.host, this.clientPort, camera)) !== 200, 15_000, `camera ${camera} to be unmounted`);
  }

  /** Takes a camera down: its mount disappears, viewers stop receiving and new ones get 404. */
  async down(camera: string): Promise<void> {
    const push = this.pushes.get(camera);
    if (!push) return;
    this.pushes.delete(camera);
    await stopChild(push.child, 3000);
    await this.clearMount(camera);
  }

  async stop(): Promise<void> {
    const pushes = [...this.pushes.values()];
    this.pushes.clear();
    await Promise.all(pushes.map((p) => stopChild(p.child, 2000)));
    if (this.server) await stopChild(this.server, 1000);
    this.server = null;
  }
}
