import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import type { DeathGuard } from '../../devices/cctv/child';
import { probeRtsp } from '../../devices/cctv/probe';
import { CameraStream } from '../../devices/cctv/stream';
import { CctvApi, type StreamSummary } from '../api/cctv-api';
import type { Sessions } from '../auth/sessions';
import type { Bus } from '../bus';
import type { Clock } from '../clock';
import type { Journal } from '../journal/journal';
import type { Metrics } from '../metrics';
import type { Projections } from '../projections';
import { FrigateBridge } from './frigate-bridge';
import { HealthWatch } from './health-watch';
import { VideoHub } from './video-hub';

export interface CctvServiceDeps {
  config: Config;
  journal: Journal;
  projections: Projections;
  sessions: Sessions;
  metrics: Metrics;
  bus: Bus;
  log: Logger;
  /** How often a video view re-checks its session (default 15 s; tests shorten it). */
  sessionCheckMs?: number;
  /** What the session re-check is scheduled on (the sessions' own clock). */
  clock?: Clock;
  /** How ffmpeg is tied to the gateway (tests pin it; by default the best this system offers). */
  guard?: DeathGuard;
}

const BUS_OWNER = 'cctv';

/**
 * Live CCTV, the one object the gateway wires in: a transcoder per camera (idle until watched),
 * the video WebSocket hub on the gateway's HTTP server, the health watch, the Frigate bridge,
 * and `api`, the application API's CCTV part (routes and views go through it).
 */
export class CctvService {
  readonly api: CctvApi;
  private readonly streams = new Map<string, CameraStream>();
  private readonly hub: VideoHub;
  private readonly health: HealthWatch;
  private readonly frigate: FrigateBridge;

  constructor(private readonly deps: CctvServiceDeps) {
    const { config, log } = deps;
    const s = config.cctv;
    for (const c of config.cameras) {
      this.streams.set(
        c.id,
        new CameraStream({
          id: c.id,
          url: c.rtspUrl,
          transport: s.rtspTransport,
          ioTimeoutMs: s.ioTimeoutSeconds * 1000,
          declaredFps: s.declaredFps,
          quality: s.quality,
          gopFrames: s.gopFrames,
          ffmpegPath: s.ffmpegPath,
          idleStopMs: s.idleStopSeconds * 1000,
          stallMs: s.stallSeconds * 1000,
          backoff: s.restartBackoff,
          log: log.child({ module: 'cctv-stream' }),
          guard: deps.guard,
        }),
      );
    }
    this.api = new CctvApi({ journal: deps.journal, projections: deps.projections, cameras: config.cameras, zones: config.zones, streams: this });
    this.hub = new VideoHub({
      streams: this.streams,
      api: this.api,
      sessions: deps.sessions,
      metrics: deps.metrics,
      log: log.child({ module: 'video' }),
      sessionCheckMs: deps.sessionCheckMs,
      clock: deps.clock,
      limits: { maxBufferBytes: s.viewerMaxBufferKb * 1024, slowDropMs: s.slowViewerSeconds * 1000 },
    });
    this.health = new HealthWatch({
      cameras: config.cameras,
      streams: this.streams,
      projections: deps.projections,
      journal: deps.journal,
      metrics: deps.metrics,
      log: log.child({ module: 'camera-health' }),
      intervalMs: s.probeIntervalSeconds * 1000,
      debounce: s.healthDebounce,
      probe: (c, signal) =>
        probeRtsp({
          url: c.rtspUrl,
          transport: s.rtspTransport,
          ioTimeoutMs: s.ioTimeoutSeconds * 1000,
          timeoutMs: s.probeTimeoutSeconds * 1000,
          ffprobePath: s.ffprobePath,
          guard: deps.guard,
          signal,
        }),
    });
    this.frigate = new FrigateBridge(s.frigateCameras, deps.journal, log.child({ module: 'frigate' }));
  }

  start(): void {
    for (const stream of this.streams.values()) {
      stream.on('state', () => this.deps.metrics.videoStreams.set([...this.streams.values()].filter((x) => x.state !== 'idle').length));
      stream.on('exit', (e) => {
        if (e.retryInMs !== null) this.deps.metrics.videoRestarts.inc({ cause: e.kind });
      });
    }
    this.hub.start();
    this.deps.bus.on('committed', BUS_OWNER, (events) => this.frigate.onCommitted(events));
    this.health.start();
  }

  /** For the gateway's HTTP `upgrade` handler: true when the request was a `/video/…` one (handled). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.hub.handleUpgrade(req, socket, head);
  }

  streamSummary(cameraId: string): StreamSummary | null {
    const stream = this.streams.get(cameraId);
    if (!stream) return null;
    const st = stream.status();
    return { state: st.state, viewers: this.hub.viewers(cameraId), width: st.format?.width ?? null, height: st.format?.height ?? null, restarts: st.restarts };
  }

  /** The running transcoders' process ids (for tests and diagnostics). */
  ffmpegPids(): number[] {
    return [...this.streams.values()].flatMap((s) => (s.status().pid ? [s.status().pid!] : []));
  }

  /** Views end (journaled) first, then the health watch, then every ffmpeg: none outlives the gateway. */
  async stop(): Promise<void> {
    this.deps.bus.removeOwner(BUS_OWNER);
    await this.hub.stop();
    await this.health.stop();
    await Promise.all([...this.streams.values()].map((s) => s.stop()));
    for (const s of this.streams.values()) s.removeAllListeners();
    await this.frigate.stop();
  }
}
