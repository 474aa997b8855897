import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Config } from '../config/schema';
import { AppApi } from './api/app-api';
import { EvidenceApi } from './api/evidence-api';
import { TrackingApi } from './api/tracking-api';
import { Accounts } from './auth/accounts';
import { SESSION_CHECK_MS, Sessions } from './auth/sessions';
import { MqttBroker } from './broker/broker';
import { indexClientIds } from './broker/client-ids';
import { MqttTlsListener } from './broker/tls-listener';
import { Bus } from './bus';
import { CctvService } from './cctv/service';
import { RetentionJob } from './evidence/retention';
import { EvidenceService } from './evidence/service';
import { buildHttp, type HttpApp, type Readiness } from './http/app';
import { applySecurityHeaders, securityHeaders } from './http/security-headers';
import { Journal } from './journal/journal';
import { Metrics } from './metrics';
import { Projections } from './projections';
import { TimeTravel } from './projections/time-travel';
import { AlertService } from './radio/alerts';
import { ContactMonitor } from './radio/contact-monitor';
import { EmergencyWatch } from './radio/emergency-watch';
import { PeiBridge } from './radio/pei-bridge';
import { siteProbe } from './site-probe';
import { ConsoleSocket } from './realtime/console-socket';
import { TakFeed } from './tak/feed';
import { loadTls, type TlsMaterial } from './tls';
import { TrackingWatch } from './tracking/watch';
import { UplinkForwarder } from './uplink/forwarder';

export interface GatewayOptions {
  log: Logger;
  /** Paths in the config are relative to this directory (default: the working directory). */
  baseDir?: string;
  /** PEI keepalive timings (tests shorten them). */
  peiTiming?: { keepaliveIdleMs?: number; keepaliveTimeoutMs?: number };
  /** Dock protocol timings (tests shorten them). */
  dockTiming?: { retransmitMs?: number; heartbeatMs?: number; noiseReportMs?: number };
  /**
   * Session timings (tests shorten them): the idle timeout (default `sessionTtlMinutes`) and how
   * often idle sessions are swept and live connections re-check theirs (default 15 s).
   */
  sessionTiming?: { idleMs?: number; checkMs?: number };
}

/**
 * The composition root: builds every part, starts them in order and stops them in reverse.
 * Constructors elsewhere only assign; all work starts here, in `start()`.
 */
export class Gateway {
  readonly metrics = new Metrics();
  readonly bus: Bus;
  readonly journal: Journal;
  readonly projections: Projections;
  readonly accounts: Accounts;
  readonly sessions: Sessions;
  readonly broker: MqttBroker;
  readonly consoleSocket: ConsoleSocket;
  readonly pei: PeiBridge;
  readonly alerts: AlertService;
  readonly api: AppApi;
  readonly evidence: EvidenceService;
  readonly retention: RetentionJob;
  /** Live CCTV: streams, video WebSockets, camera health, Frigate. */
  readonly cctv: CctvService;
  private readonly contact: ContactMonitor;
  private readonly emergencyWatch: EmergencyWatch;
  private readonly trackingWatch: TrackingWatch;
  readonly timeTravel: TimeTravel;
  private readonly mqttWs: WebSocketServer;
  private http: HttpApp | null = null;
  /** MQTT over TLS; null unless `gateway.tls` is set. */
  private mqttTls: MqttTlsListener | null = null;
  /** The certificate and key in use; null without `gateway.tls`. */
  tls: TlsMaterial | null = null;
  private readonly baseDir: string;
  /** The journal-as-outbox uplink to the region; null unless `uplink.enabled`. */
  readonly uplink: UplinkForwarder | null;
  /** The live CoT feed for TAK clients; null unless `tak.enabled`. */
  readonly tak: TakFeed | null;
  private replayed = false;
  private readonly log: Logger;
  private readonly sessionCheckMs: number;

  constructor(
    readonly config: Config,
    opts: GatewayOptions,
  ) {
    const log = (this.log = opts.log);
    const base = (this.baseDir = opts.baseDir ?? process.cwd());
    this.bus = new Bus(log.child({ module: 'bus' }));
    this.projections = new Projections(config);
    this.journal = new Journal({
      path: resolve(base, config.gateway.journal.path),
      synchronous: config.gateway.journal.synchronous,
      maxBatch: config.gateway.journal.maxBatch,
      log: log.child({ module: 'journal' }),
      onBatch: (size, seconds) => {
        this.metrics.batchSize.observe(size);
        this.metrics.commitSeconds.observe(seconds);
      },
      onCommit: (events) => this.bus.emit('committed', events),
    });
    this.metrics.site = () =>
      siteProbe(this.journal, this.projections, {
        journal: dirname(resolve(base, config.gateway.journal.path)),
        data: resolve(base, config.gateway.dataDir),
      });
    this.accounts = new Accounts(config);
    this.sessions = new Sessions(opts.sessionTiming?.idleMs ?? config.gateway.sessionTtlMinutes * 60_000);
    this.sessionCheckMs = opts.sessionTiming?.checkMs ?? SESSION_CHECK_MS;
    this.broker = new MqttBroker({
      host: config.gateway.mqtt.host,
      port: config.gateway.mqtt.port,
      maxPacketSize: config.gateway.mqtt.maxPacketSize,
      accounts: this.accounts,
      journal: this.journal,
      metrics: this.metrics,
      log: log.child({ module: 'broker' }),
      knownIds: { cameraId: new Set(config.cameras.map((c) => c.id)) },
      clientIds: indexClientIds(config.accounts),
      connectLimit: config.gateway.limits.connect,
    });
    // ws buffers a whole frame before the MQTT parser (and its packet limit) sees a byte of it,
    // up to 100 MiB by default: no frame may be larger than the largest MQTT packet we accept
    // (remaining length up to maxPacketSize, plus at most 5 bytes of fixed header).
    this.mqttWs = new WebSocketServer({ noServer: true, maxPayload: config.gateway.mqtt.maxPacketSize + 5 });
    this.pei = new PeiBridge(config, this.journal, log.child({ module: 'pei' }), base, opts.peiTiming, this.metrics);
    this.alerts = new AlertService(config, this.projections, this.journal, this.broker, this.pei, log.child({ module: 'alerts' }));
    this.evidence = new EvidenceService(config, this.journal, this.projections, log.child({ module: 'evidence' }), base, opts.dockTiming, this.metrics);
    const disk = config.evidence.disk;
    this.retention = new RetentionJob(this.projections.evidence, this.evidence.store, this.journal, log.child({ module: 'retention' }), {
      partialMaxAgeMs: disk.partialMaxAgeHours * 3_600_000,
      quarantineMaxFiles: disk.quarantineMaxFiles,
      quarantineMaxBytes: disk.quarantineMaxMiB * 1024 * 1024,
      quarantineMaxAgeMs: disk.quarantineMaxAgeDays * 86_400_000,
    });
    this.cctv = new CctvService({
      config,
      journal: this.journal,
      projections: this.projections,
      sessions: this.sessions,
      metrics: this.metrics,
      bus: this.bus,
      log,
      sessionCheckMs: this.sessionCheckMs,
    });
    this.timeTravel = new TimeTravel({ path: resolve(this.baseDir, config.gateway.journal.path), config, log: log.child({ module: 'time-travel' }) });
    this.api = new AppApi({
      journal: this.journal,
      projections: this.projections,
      alerts: this.alerts,
      cctv: this.cctv.api,
      evidence: new EvidenceApi(this.journal, this.projections, this.evidence),
      tracking: new TrackingApi({
        config,
        journal: this.journal,
        projections: this.projections,
        log: log.child({ module: 'dispatch' }),
        timeTravel: this.timeTravel,
        radio: { publish: (topic, payload) => this.broker.publish(topic, payload), sendText: (issi, text, msgId) => this.pei.sendText(issi, text, msgId) },
      }),
      talkgroupIds: new Set(config.talkgroups.map((t) => t.id)),
      unitIds: new Set(config.units.map((u) => u.id)),
    });
    this.emergencyWatch = new EmergencyWatch(config, this.projections, this.journal, log.child({ module: 'emergencies' }));
    this.trackingWatch = new TrackingWatch(config, this.projections, this.journal, this.alerts, log.child({ module: 'tracking' }));
    this.consoleSocket = new ConsoleSocket({
      api: this.api,
      sessions: this.sessions,
      journal: this.journal,
      projections: this.projections,
      metrics: this.metrics,
      log: log.child({ module: 'console-socket' }),
      sessionCheckMs: this.sessionCheckMs,
    });
    this.contact = new ContactMonitor(this.projections.units, this.journal, config.gateway.unitLostContactSeconds * 1000, log.child({ module: 'contact' }));
    this.uplink = config.uplink.enabled
      ? new UplinkForwarder({
          settings: config.uplink,
          siteId: config.site.id,
          zones: config.zones,
          journal: this.journal,
          metrics: this.metrics,
          log: log.child({ module: 'uplink' }),
          baseDir: base,
        })
      : null;
    this.tak = config.tak.enabled
      ? new TakFeed({ settings: config.tak, projections: this.projections, bus: this.bus, journal: this.journal, log: log.child({ module: 'tak' }) })
      : null;
  }

  async start(): Promise<void> {
    // First: a missing certificate fails the start before anything is opened.
    const tlsSettings = this.config.gateway.tls;
    if (tlsSettings) {
      const g = this.config.gateway;
      this.tls = await loadTls(tlsSettings, {
        baseDir: this.baseDir,
        dataDir: g.dataDir,
        hosts: [g.http.host, tlsSettings.mqttHost],
        log: this.log.child({ module: 'tls' }),
      });
    }
    await this.journal.open();
    const started = Date.now();
    this.projections.replay(this.journal.replay());
    this.log.info({ events: this.projections.seq, ms: Date.now() - started }, 'projections rebuilt from journal');
    this.bus.on('committed', 'projections', (events) => {
      for (const e of events) this.projections.apply(e);
    });
    this.bus.on('committed', 'console', (events) => this.consoleSocket.broadcast(events));
    this.bus.on('committed', 'emergencies', (events) => this.emergencyWatch.onCommitted(events));
    this.bus.on('committed', 'tracking', (events) => this.trackingWatch.onCommitted(events));
    this.bus.on('committed', 'time-travel', (events) => this.timeTravel.onCommitted(events));
    this.replayed = true;
    await this.closeLeftOpen();

    await this.broker.start();
    if (tlsSettings && this.tls) {
      this.mqttTls = new MqttTlsListener({
        host: tlsSettings.mqttHost,
        port: tlsSettings.mqttPort,
        tls: this.tls,
        handle: (socket) => this.broker.handle(socket),
        log: this.log.child({ module: 'mqtt-tls' }),
      });
      await this.mqttTls.start();
    }
    this.sessions.start(this.sessionCheckMs);
    const http = await buildHttp({
      api: this.api,
      accounts: this.accounts,
      sessions: this.sessions,
      journal: this.journal,
      projections: this.projections,
      metrics: this.metrics,
      readiness: () => this.readiness(),
      log: this.log.child({ module: 'http' }),
      secureCookies: this.tls !== null,
      https: this.tls ? { cert: this.tls.cert, key: this.tls.key } : undefined,
      sessionTtlMinutes: this.config.gateway.sessionTtlMinutes,
      config: this.config,
    });
    this.consoleSocket.attach(http.server);
    // Socket.IO took over the server's request listeners (it answers /socket.io itself, fastify
    // the rest): set the security headers on every raw response before either writes it.
    const headers = securityHeaders(this.config.console.tileUrl);
    http.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => applySecurityHeaders(res, headers));
    http.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    await http.listen({ host: this.config.gateway.http.host, port: this.config.gateway.http.port });
    this.http = http;
    this.cctv.start();
    this.contact.start();
    this.emergencyWatch.start();
    this.trackingWatch.start();
    this.alerts.resume();
    await this.pei.start();
    await this.evidence.start();
    this.retention.start(this.config.evidence.retentionCheckMinutes * 60_000);
    await this.tak?.start();
    // Last: the site works without the region, and the uplink only reads what is committed.
    if (this.uplink) {
      const uplink = this.uplink;
      uplink.start();
      this.bus.on('committed', 'uplink', () => uplink.wake());
    }
    this.log.info({ http: this.httpPort, mqtt: this.broker.port, mqttTls: this.mqttTlsPort || null }, 'gateway started');
  }

  /** MQTT over WebSocket on the HTTP server; other upgrade paths belong to Socket.IO. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.cctv.handleUpgrade(req, socket, head)) return; // /video/<cameraId>
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.config.gateway.mqtt.websocketPath) return;
    // Rate-limited per address like the TCP listener, before the WebSocket handshake.
    if (!this.broker.admit(req.socket.remoteAddress ?? 'unknown')) {
      socket.destroy();
      return;
    }
    this.mqttWs.handleUpgrade(req, socket, head, (ws) => {
      ws.once('error', (err: Error & { code?: string }) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.metrics.securityEvents.inc({ kind: 'oversize-packet' });
      });
      (req.socket as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      this.broker.handle(createWebSocketStream(ws), req);
    });
  }

  /**
   * After a crash, the journal still shows clients connected that are long gone: close them
   * on the record so the devices view is true, rather than forget them.
   */
  private async closeLeftOpen(): Promise<void> {
    await Promise.all(
      this.projections.devices.online().map((d) =>
        this.journal.append({
          source: 'gateway',
          type: 'mqtt.disconnected',
          subject: `account:${d.username}`,
          payload: { clientId: d.clientId, username: d.username, reason: 'gateway restarted' },
        }),
      ),
    );
  }

  readiness(): Readiness {
    const checks = {
      journal: this.journal.isOpen && this.journal.lastError === null,
      broker: this.broker.listening,
      projections: this.replayed && this.projections.seq === this.journal.head.seq,
    };
    return {
      ready: Object.values(checks).every(Boolean),
      checks,
      detail: {
        head: this.journal.head.seq,
        applied: this.projections.seq,
        journalError: this.journal.lastError?.message ?? null,
        // Informational: a site without its uplink is still ready (it must work offline).
        uplink: this.uplink?.status() ?? { enabled: false },
        // Informational too: with the radio link down alerts queue and MQTT handsets still work.
        radio: this.pei.monitoring(),
      },
    };
  }

  /** The MQTT-over-TLS port; 0 without `gateway.tls`. */
  get mqttTlsPort(): number {
    return this.mqttTls?.port ?? 0;
  }

  get httpPort(): number {
    const addr = this.http?.server.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  async stop(): Promise<void> {
    // First: views are journaled as ended while the journal is open, and no ffmpeg outlives us.
    await this.cctv.stop();
    await this.tak?.stop();
    this.bus.removeOwner('uplink');
    await this.uplink?.stop();
    this.retention.stop();
    await this.evidence.stop();
    await this.pei.stop();
    await this.trackingWatch.stop();
    this.alerts.stop();
    this.emergencyWatch.stop();
    this.contact.stop();
    this.consoleSocket.close();
    this.sessions.stop();
    if (this.http) await this.http.close();
    this.http = null;
    this.mqttWs.close();
    await this.broker.stop();
    await this.mqttTls?.stop();
    this.mqttTls = null;
    this.bus.removeOwner('projections');
    this.bus.removeOwner('console');
    this.bus.removeOwner('emergencies');
    this.bus.removeOwner('tracking');
    this.bus.removeOwner('time-travel');
    await this.timeTravel.stop();
    await this.journal.close();
    this.log.info('gateway stopped');
  }
}
