import type { IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Config } from '../config/schema';
import { AppApi } from './api/app-api';
import { EvidenceApi } from './api/evidence-api';
import { TrackingApi } from './api/tracking-api';
import { Accounts } from './auth/accounts';
import { Sessions } from './auth/sessions';
import { MqttBroker } from './broker/broker';
import { Bus } from './bus';
import { CctvService } from './cctv/service';
import { RetentionJob } from './evidence/retention';
import { EvidenceService } from './evidence/service';
import { buildHttp, type HttpApp, type Readiness } from './http/app';
import { Journal } from './journal/journal';
import { Metrics } from './metrics';
import { Projections } from './projections';
import { AlertService } from './radio/alerts';
import { ContactMonitor } from './radio/contact-monitor';
import { EmergencyWatch } from './radio/emergency-watch';
import { PeiBridge } from './radio/pei-bridge';
import { ConsoleSocket } from './realtime/console-socket';
import { TrackingWatch } from './tracking/watch';
import { UplinkForwarder } from './uplink/forwarder';

export interface GatewayOptions {
  log: Logger;
  /** Paths in the config are relative to this directory (default: the working directory). */
  baseDir?: string;
  /** PEI keepalive timings (tests shorten them). */
  peiTiming?: { keepaliveIdleMs?: number; keepaliveTimeoutMs?: number };
  /** Dock protocol timings (tests shorten them). */
  dockTiming?: { retransmitMs?: number; heartbeatMs?: number };
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
  private readonly mqttWs = new WebSocketServer({ noServer: true });
  private http: HttpApp | null = null;
  /** The journal-as-outbox uplink to the region; null unless `uplink.enabled`. */
  readonly uplink: UplinkForwarder | null;
  private replayed = false;
  private readonly log: Logger;

  constructor(
    readonly config: Config,
    opts: GatewayOptions,
  ) {
    const log = (this.log = opts.log);
    const base = opts.baseDir ?? process.cwd();
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
    this.accounts = new Accounts(config);
    this.sessions = new Sessions(config.gateway.sessionTtlMinutes * 60_000);
    this.broker = new MqttBroker({
      host: config.gateway.mqtt.host,
      port: config.gateway.mqtt.port,
      maxPacketSize: config.gateway.mqtt.maxPacketSize,
      accounts: this.accounts,
      journal: this.journal,
      metrics: this.metrics,
      log: log.child({ module: 'broker' }),
      knownIds: { cameraId: new Set(config.cameras.map((c) => c.id)) },
    });
    this.pei = new PeiBridge(config, this.journal, log.child({ module: 'pei' }), base, opts.peiTiming, this.metrics);
    this.alerts = new AlertService(config, this.projections, this.journal, this.broker, this.pei, log.child({ module: 'alerts' }));
    this.evidence = new EvidenceService(config, this.journal, this.projections, log.child({ module: 'evidence' }), base, opts.dockTiming);
    this.retention = new RetentionJob(this.projections.evidence, this.evidence.store, this.journal, log.child({ module: 'retention' }));
    this.cctv = new CctvService({
      config, journal: this.journal, projections: this.projections, sessions: this.sessions, metrics: this.metrics, bus: this.bus, log,
    });
    this.api = new AppApi({
      journal: this.journal, projections: this.projections, alerts: this.alerts, cctv: this.cctv.api,
      evidence: new EvidenceApi(this.journal, this.projections, this.evidence),
      tracking: new TrackingApi({
        config, journal: this.journal, projections: this.projections, log: log.child({ module: 'dispatch' }),
        radio: { publish: (topic, payload) => this.broker.publish(topic, payload), sendText: (issi, text, msgId) => this.pei.sendText(issi, text, msgId) },
      }),
      talkgroupIds: new Set(config.talkgroups.map((t) => t.id)), unitIds: new Set(config.units.map((u) => u.id)),
    });
    this.emergencyWatch = new EmergencyWatch(config, this.projections, this.journal, log.child({ module: 'emergencies' }));
    this.trackingWatch = new TrackingWatch(config, this.projections, this.journal, this.alerts, log.child({ module: 'tracking' }));
    this.consoleSocket = new ConsoleSocket({
      api: this.api,
      sessions: this.sessions, journal: this.journal, projections: this.projections, metrics: this.metrics,
      log: log.child({ module: 'console-socket' }),
    });
    this.contact = new ContactMonitor(
      this.projections.units, this.journal, config.gateway.unitLostContactSeconds * 1000, log.child({ module: 'contact' }),
    );
    this.uplink = config.uplink.enabled
      ? new UplinkForwarder({
        settings: config.uplink, siteId: config.site.id, zones: config.zones, journalPath: resolve(base, config.gateway.journal.path),
        journal: this.journal, metrics: this.metrics, log: log.child({ module: 'uplink' }), baseDir: base,
      })
      : null;
  }

  async start(): Promise<void> {
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
    this.replayed = true;
    await this.closeLeftOpen();

    await this.broker.start();
    const http = await buildHttp({
      api: this.api,
      accounts: this.accounts, sessions: this.sessions, journal: this.journal, projections: this.projections,
      metrics: this.metrics, readiness: () => this.readiness(), log: this.log.child({ module: 'http' }),
      secureCookies: false, sessionTtlMinutes: this.config.gateway.sessionTtlMinutes, config: this.config,
    });
    this.consoleSocket.attach(http.server);
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
    // Last: the site works without the region, and the uplink only reads what is committed.
    if (this.uplink) {
      const uplink = this.uplink;
      uplink.start();
      this.bus.on('committed', 'uplink', () => uplink.wake());
    }
    this.log.info({ http: this.httpPort, mqtt: this.broker.port }, 'gateway started');
  }

  /** MQTT over WebSocket on the HTTP server; other upgrade paths belong to Socket.IO. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.cctv.handleUpgrade(req, socket, head)) return; // /video/<cameraId>
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.config.gateway.mqtt.websocketPath) return;
    this.mqttWs.handleUpgrade(req, socket, head, (ws) => {
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
          source: 'gateway', type: 'mqtt.disconnected', subject: `account:${d.username}`,
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
        head: this.journal.head.seq, applied: this.projections.seq, journalError: this.journal.lastError?.message ?? null,
        // Informational: a site without its uplink is still ready (it must work offline).
        uplink: this.uplink?.status() ?? { enabled: false },
        // Informational too: with the radio link down alerts queue and MQTT handsets still work.
        radio: this.pei.monitoring(),
      },
    };
  }

  get httpPort(): number {
    const addr = this.http?.server.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  async stop(): Promise<void> {
    // First: views are journaled as ended while the journal is open, and no ffmpeg outlives us.
    await this.cctv.stop();
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
    if (this.http) await this.http.close();
    this.http = null;
    this.mqttWs.close();
    await this.broker.stop();
    this.bus.removeOwner('projections');
    this.bus.removeOwner('console');
    this.bus.removeOwner('emergencies');
    this.bus.removeOwner('tracking');
    await this.journal.close();
    this.log.info('gateway stopped');
  }
}
