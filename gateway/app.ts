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
import { PeopleApi } from './api/people-api';
import { UserStore } from './auth/user-store';
import { SESSION_CHECK_MS, Sessions } from './auth/sessions';
import { BrokerThread } from './broker/broker-thread';
import { indexClientIds } from './broker/client-ids';
import { MqttTlsListener } from './broker/tls-listener';
import { Bus } from './bus';
import { CctvService } from './cctv/service';
import { systemClock, type Clock } from './clock';
import { RetentionJob } from './evidence/retention';
import { PersonalDataRetention } from './journal/personal-retention';
import { ClipRecorder } from './evidence/clips';
import { EvidenceService } from './evidence/service';
import { buildHttp, type HttpApp, type Readiness } from './http/app';
import { applySecurityHeaders, securityHeaders } from './http/security-headers';
import { Journal } from './journal/journal';
import { Metrics } from './metrics';
import { PART_STOP_TIMEOUT_MS, stopParts, type Part } from './parts';
import { Projections } from './projections';
import { TimeTravel } from './projections/time-travel';
import { BulletinsApi } from './members/bulletins-api';
import { AlertService } from './radio/alerts';
import { ContactMonitor } from './radio/contact-monitor';
import { BearerDispatchRadio } from './radio/dispatch-radio';
import { EmergencyWatch } from './radio/emergency-watch';
import { emergencyStatusValues } from './radio/emergency-status';
import { PeiBridge } from './radio/pei-bridge';
import { siteProbe } from './site-probe';
import { ConsoleSocket } from './realtime/console-socket';
import { TakFeed } from './tak/feed';
import { loadTls, type TlsMaterial } from './tls';
import { PhotoStore } from './tracking/photo-store';
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
  /**
   * What the scheduling services (sessions, login lockouts, alert timeouts, lost contact,
   * emergency re-alerts, tracking, retention) read the time from and set their timers on;
   * tests pass a manual clock to move time on instead of waiting. Default: the system clock.
   */
  clock?: Clock;
  /** How long one part may take to stop before the next is stopped anyway (default 2 s). */
  partStopTimeoutMs?: number;
}

/**
 * The composition root: builds every part, starts them in order and stops them in reverse,
 * each stop isolated (one that throws or hangs is logged and the next still stops; the journal
 * closes last). Constructors elsewhere only assign; all work starts here, in `start()`.
 */
export class Gateway {
  readonly metrics = new Metrics();
  readonly bus: Bus;
  readonly journal: Journal;
  readonly projections: Projections;
  readonly accounts: Accounts;
  /** People administration: console accounts in `<dataDir>/people.db` over the configured ones. */
  readonly people: PeopleApi;
  readonly sessions: Sessions;
  readonly broker: BrokerThread;
  readonly consoleSocket: ConsoleSocket;
  readonly pei: PeiBridge;
  readonly alerts: AlertService;
  readonly api: AppApi;
  readonly evidence: EvidenceService;
  /** Clips recorded from live cameras into the evidence store. */
  private readonly clips: ClipRecorder;
  readonly retention: RetentionJob;
  readonly personalRetention: PersonalDataRetention;
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
  private readonly clock: Clock;
  private readonly partStopTimeoutMs: number;
  /** Every part in start order; `start()` walks it forwards, `stop()` backwards. */
  private readonly parts: Part[];
  /** The parts started so far (a failed start stops only these). */
  private started: Part[] = [];

  constructor(
    readonly config: Config,
    opts: GatewayOptions,
  ) {
    const log = (this.log = opts.log);
    const base = (this.baseDir = opts.baseDir ?? process.cwd());
    const clock = (this.clock = opts.clock ?? systemClock);
    this.partStopTimeoutMs = opts.partStopTimeoutMs ?? PART_STOP_TIMEOUT_MS;
    this.bus = new Bus({ log: log.child({ module: 'bus' }) });
    this.projections = new Projections(config);
    this.journal = new Journal({
      path: resolve(base, config.gateway.journal.path),
      synchronous: config.gateway.journal.synchronous,
      maxBatch: config.gateway.journal.maxBatch,
      commitDelayMs: config.gateway.journal.commitDelayMs,
      commitDelayAbovePerSecond: config.gateway.journal.commitDelayAbovePerSecond,
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
    this.accounts = new Accounts({ config, clock });
    this.sessionCheckMs = opts.sessionTiming?.checkMs ?? SESSION_CHECK_MS;
    this.sessions = new Sessions({ idleMs: opts.sessionTiming?.idleMs ?? config.gateway.sessionTtlMinutes * 60_000, checkMs: this.sessionCheckMs, clock });
    this.people = new PeopleApi({
      config,
      store: new UserStore(resolve(base, config.gateway.dataDir, 'people.db')),
      accounts: this.accounts,
      sessions: this.sessions,
      journal: this.journal,
      log: log.child({ module: 'people' }),
      endMqtt: (username) => this.broker.disconnectAccount(username),
      clock,
    });
    this.broker = new BrokerThread({
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
      emergencyStatus: emergencyStatusValues(config),
    });
    // ws buffers a whole frame before the MQTT parser (and its packet limit) sees a byte of it,
    // up to 100 MiB by default: no frame may be larger than the largest MQTT packet we accept
    // (remaining length up to maxPacketSize, plus at most 5 bytes of fixed header).
    this.mqttWs = new WebSocketServer({ noServer: true, maxPayload: config.gateway.mqtt.maxPacketSize + 5 });
    this.pei = new PeiBridge({
      config,
      journal: this.journal,
      log: log.child({ module: 'pei' }),
      baseDir: base,
      timing: opts.peiTiming,
      metrics: this.metrics,
    });
    this.alerts = new AlertService({
      config,
      projections: this.projections,
      journal: this.journal,
      broker: this.broker,
      pei: this.pei,
      log: log.child({ module: 'alerts' }),
      clock,
    });
    this.evidence = new EvidenceService({
      config,
      journal: this.journal,
      projections: this.projections,
      log: log.child({ module: 'evidence' }),
      baseDir: base,
      timing: opts.dockTiming,
      metrics: this.metrics,
    });
    this.personalRetention = new PersonalDataRetention({ config, journal: this.journal, log: log.child({ module: 'personal-retention' }), clock });
    this.clips = new ClipRecorder({ store: this.evidence.store, cctv: config.cctv, log: log.child({ module: 'clips' }) });
    const disk = config.evidence.disk;
    this.retention = new RetentionJob({
      evidence: this.projections.evidence,
      store: this.evidence.store,
      journal: this.journal,
      log: log.child({ module: 'retention' }),
      everyMs: config.evidence.retentionCheckMinutes * 60_000,
      bounds: {
        partialMaxAgeMs: disk.partialMaxAgeHours * 3_600_000,
        quarantineMaxFiles: disk.quarantineMaxFiles,
        quarantineMaxBytes: disk.quarantineMaxMiB * 1024 * 1024,
        quarantineMaxAgeMs: disk.quarantineMaxAgeDays * 86_400_000,
      },
      clock,
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
      clock,
    });
    this.timeTravel = new TimeTravel({
      path: resolve(this.baseDir, config.gateway.journal.path),
      config,
      log: log.child({ module: 'time-travel' }),
      checkpointEvery: config.gateway.journal.timeTravelCheckpointEvery,
    });
    this.api = new AppApi({
      journal: this.journal,
      projections: this.projections,
      alerts: this.alerts,
      cctv: this.cctv.api,
      bulletins: new BulletinsApi({
        config,
        journal: this.journal,
        projections: this.projections,
        broker: this.broker,
        log: log.child({ module: 'bulletins' }),
      }),
      evidence: new EvidenceApi({ journal: this.journal, projections: this.projections, service: this.evidence, config, clips: this.clips }),
      tracking: new TrackingApi({
        config,
        journal: this.journal,
        projections: this.projections,
        log: log.child({ module: 'dispatch' }),
        timeTravel: this.timeTravel,
        clock,
        photos: new PhotoStore(resolve(base, config.gateway.dataDir, 'photos')),
        radio: new BearerDispatchRadio({ broker: this.broker, pei: this.pei }),
      }),
      talkgroupIds: new Set(config.talkgroups.map((t) => t.id)),
      unitIds: new Set(config.units.map((u) => u.id)),
    });
    this.emergencyWatch = new EmergencyWatch({
      config,
      projections: this.projections,
      journal: this.journal,
      log: log.child({ module: 'emergencies' }),
      clock,
      onRaising: (notice) => this.consoleSocket.emergencyRaising(notice),
    });
    this.trackingWatch = new TrackingWatch({
      config,
      projections: this.projections,
      journal: this.journal,
      alerts: this.alerts,
      log: log.child({ module: 'tracking' }),
      clock,
    });
    this.consoleSocket = new ConsoleSocket({
      api: this.api,
      sessions: this.sessions,
      journal: this.journal,
      projections: this.projections,
      metrics: this.metrics,
      log: log.child({ module: 'console-socket' }),
      sessionCheckMs: this.sessionCheckMs,
      clock,
    });
    this.contact = new ContactMonitor({
      units: this.projections.units,
      journal: this.journal,
      silenceMs: config.gateway.unitLostContactSeconds * 1000,
      log: log.child({ module: 'contact' }),
      clock,
    });
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
    const tak = this.tak;
    const uplink = this.uplink;
    this.parts = [
      // The journal opens first and, stopped in reverse, closes last: every other part may
      // still journal as it stops (views ended, alerts timed out, receipts).
      { name: 'journal', start: () => this.journal.open(), stop: () => this.journal.close() },
      // Before anyone can log in (broker, HTTP): the people database's accounts are in force.
      { name: 'people', start: () => this.people.start(), stop: () => this.people.stop() },
      { name: 'time-travel', start: () => this.timeTravel.startIfLong(this.journal.reader.head().seq), stop: () => this.timeTravel.stop() },
      {
        name: 'projections',
        start: () => this.replay(),
        stop: () => {
          BUS_OWNERS.forEach((owner) => this.bus.removeOwner(owner));
          this.emergencyWatch.unwatchAppends();
        },
      },
      { name: 'broker', start: () => this.broker.start(), stop: () => this.broker.stop() },
      { name: 'mqtt-tls', start: () => this.startMqttTls(), stop: () => this.stopMqttTls() },
      { name: 'sessions', start: () => this.sessions.start(), stop: () => this.sessions.stop() },
      { name: 'http', start: () => this.startHttp(), stop: () => this.stopHttp() },
      { name: 'contact', start: () => this.contact.start(), stop: () => this.contact.stop() },
      { name: 'emergencies', start: () => this.emergencyWatch.start(), stop: () => this.emergencyWatch.stop() },
      { name: 'tracking', start: () => this.trackingWatch.start(), stop: () => this.trackingWatch.stop() },
      { name: 'alerts', start: () => this.alerts.resume(), stop: () => this.alerts.stop() },
      { name: 'pei', start: () => this.pei.start(), stop: () => this.pei.stop() },
      { name: 'evidence', start: () => this.evidence.start(), stop: () => this.evidence.stop() },
      { name: 'retention', start: () => this.retention.start(), stop: () => this.retention.stop() },
      { name: 'personal-retention', start: () => this.personalRetention.start(), stop: () => this.personalRetention.stop() },
      // Late, so it stops early: no ffmpeg outlives a stop that a later part holds up.
      { name: 'cctv', start: () => this.cctv.start(), stop: () => this.cctv.stop() },
      { name: 'clips', start: () => undefined, stop: () => this.clips.stop() },
      ...(tak ? [{ name: 'tak', start: () => tak.start(), stop: () => tak.stop() }] : []),
      // Last: the site works without the region, and the uplink only reads what is committed.
      ...(uplink
        ? [
            {
              name: 'uplink',
              start: () => {
                uplink.start();
                this.bus.on('committed', 'uplink', () => uplink.wake());
              },
              stop: () => {
                this.bus.removeOwner('uplink');
                return uplink.stop();
              },
            },
          ]
        : []),
    ];
  }

  /** Starts every part in order; if one fails, those already started are stopped again. */
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
    for (const part of this.parts) {
      try {
        await part.start();
      } catch (err) {
        this.log.error({ err, part: part.name }, 'part failed to start; stopping the parts already started');
        await this.stopStarted();
        throw err;
      }
      this.started.push(part);
    }
    this.log.info({ http: this.httpPort, mqtt: this.broker.port, mqttTls: this.mqttTlsPort || null }, 'gateway started');
  }

  /** Projections rebuilt from the journal, then kept current by every committed batch. */
  private async replay(): Promise<void> {
    const started = this.clock.now();
    this.projections.replay(this.journal.replay());
    this.log.info({ events: this.projections.seq, ms: this.clock.now() - started }, 'projections rebuilt from journal');
    this.bus.on('committed', 'projections', (events) => {
      for (const e of events) this.projections.apply(e);
    });
    this.bus.on('committed', 'console', (events) => this.consoleSocket.broadcast(events));
    this.emergencyWatch.watchAppends();
    this.bus.on('committed', 'tracking', (events) => this.trackingWatch.onCommitted(events));
    this.bus.on('committed', 'time-travel', (events) => this.timeTravel.onCommitted(events));
    this.replayed = true;
    await this.closeLeftOpen();
  }

  private async startMqttTls(): Promise<void> {
    const tlsSettings = this.config.gateway.tls;
    if (!tlsSettings || !this.tls) return;
    this.mqttTls = new MqttTlsListener({
      host: tlsSettings.mqttHost,
      port: tlsSettings.mqttPort,
      tls: this.tls,
      handle: (socket) => this.broker.handle(socket),
      log: this.log.child({ module: 'mqtt-tls' }),
    });
    await this.mqttTls.start();
  }

  private async stopMqttTls(): Promise<void> {
    const listener = this.mqttTls;
    this.mqttTls = null;
    await listener?.stop();
  }

  private async startHttp(): Promise<void> {
    const http = await buildHttp({
      api: this.api,
      accounts: this.accounts,
      people: this.people,
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
  }

  /** The console's sockets, then the HTTP server, then MQTT over WebSocket on it. */
  private async stopHttp(): Promise<void> {
    this.consoleSocket.close();
    const http = this.http;
    this.http = null;
    try {
      if (http) await http.close();
    } finally {
      this.mqttWs.close();
    }
  }

  /** MQTT over WebSocket on the HTTP server; other upgrade paths belong to Socket.IO. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.cctv.handleUpgrade(req, socket, head)) return; // /video/<cameraId>
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.config.gateway.mqtt.websocketPath) return;
    // Rate-limited per address like the TCP listener (the broker thread keeps the count), before
    // the WebSocket handshake.
    this.broker.admit(req.socket.remoteAddress ?? 'unknown').then(
      (admitted) => (admitted ? this.upgradeMqtt(req, socket, head) : socket.destroy()),
      () => socket.destroy(),
    );
  }

  private upgradeMqtt(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (socket.destroyed) return;
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

  /**
   * Stops the started parts in reverse, each in isolation (see `stopParts`): a part that throws
   * or hangs is logged with its name and the next one still stops, the journal last of all.
   */
  async stop(): Promise<void> {
    await this.stopStarted();
    this.log.info('gateway stopped');
  }

  private async stopStarted(): Promise<void> {
    const parts = this.started.reverse();
    this.started = [];
    await stopParts(parts, { log: this.log, timeoutMs: this.partStopTimeoutMs });
  }
}

/** Owners of the bus listeners the projections part registers. */
const BUS_OWNERS = ['projections', 'console', 'tracking', 'time-travel'] as const;
