import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { matchExternalTopic, matchTopic, TOPIC_PREFIX } from './contract/topics';

/**
 * The gateway's Prometheus metrics, one registry per gateway instance (tests run several in
 * one process). Default metrics include event-loop lag and RSS.
 */
/** One control station as monitoring sees it (read at scrape time). */
export interface RadioStationStats {
  id: string;
  linkUp: boolean;
  lastHeard: number | null;
  sdsIn: number;
  sdsOut: number;
  sendFailures: number;
  unknownLines: number;
}

export class Metrics {
  readonly registry = new Registry();
  /** Set by the PEI bridge: the stations' counters are read when Prometheus scrapes. */
  radioStations: () => RadioStationStats[] = () => [];

  readonly radioLink = new Gauge({
    name: 'tw_radio_link_up',
    help: 'TETRA control station link: 1 up, 0 down',
    labelNames: ['station'] as const,
    registers: [this.registry],
    collect: () => {
      this.radioLink.reset();
      for (const s of this.radioStations()) this.radioLink.set({ station: s.id }, s.linkUp ? 1 : 0);
    },
  });

  readonly radioLastHeard = new Gauge({
    name: 'tw_radio_last_heard_seconds',
    help: 'Seconds since the control station last sent anything (absent if never)',
    labelNames: ['station'] as const,
    registers: [this.registry],
    collect: () => {
      this.radioLastHeard.reset();
      const now = Date.now();
      for (const s of this.radioStations()) if (s.lastHeard !== null) this.radioLastHeard.set({ station: s.id }, (now - s.lastHeard) / 1000);
    },
  });

  readonly radioCounts = new Counter({
    name: 'tw_radio_pei_total',
    help: 'Control station traffic since start: SDS in and out, send failures, unrecognised lines',
    labelNames: ['station', 'kind'] as const,
    registers: [this.registry],
    collect: () => {
      this.radioCounts.reset();
      for (const s of this.radioStations()) {
        this.radioCounts.inc({ station: s.id, kind: 'sds-in' }, s.sdsIn);
        this.radioCounts.inc({ station: s.id, kind: 'sds-out' }, s.sdsOut);
        this.radioCounts.inc({ station: s.id, kind: 'send-failed' }, s.sendFailures);
        this.radioCounts.inc({ station: s.id, kind: 'unknown-line' }, s.unknownLines);
      }
    },
  });

  readonly messagesIn = new Counter({
    name: 'tw_mqtt_messages_in_total',
    help: 'Inbound MQTT messages by contract topic (or unknown) and outcome',
    labelNames: ['class', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly messagesOut = new Counter({
    name: 'tw_mqtt_messages_out_total',
    help: 'MQTT messages published by the gateway, by topic class',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });

  readonly quarantined = new Counter({
    name: 'tw_quarantined_total',
    help: 'Inbound messages quarantined, by kind of reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly securityEvents = new Counter({
    name: 'tw_security_events_total',
    help: 'Refused connections, publishes and subscriptions',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly throttled = new Counter({
    name: 'tw_mqtt_throttled_total',
    help: "Inbound publishes over their client's rate limit: QoS 1 delayed, QoS 0 dropped (and quarantined)",
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'tw_journal_batch_size',
    help: 'Events committed per journal transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    registers: [this.registry],
  });

  readonly commitSeconds = new Histogram({
    name: 'tw_journal_commit_seconds',
    help: 'Time to hash and commit one journal batch',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly clients = new Gauge({
    name: 'tw_mqtt_clients_connected',
    help: 'Connected MQTT clients',
    registers: [this.registry],
  });

  readonly sockets = new Gauge({
    name: 'tw_console_sockets_connected',
    help: 'Connected console Socket.IO clients',
    registers: [this.registry],
  });

  readonly cameras = new Gauge({
    name: 'tw_cctv_cameras',
    help: 'Configured cameras by health as journaled (online, offline, unknown)',
    labelNames: ['health'] as const,
    registers: [this.registry],
  });

  readonly videoStreams = new Gauge({
    name: 'tw_cctv_streams_running',
    help: 'Camera transcoders (ffmpeg) running: one per watched camera',
    registers: [this.registry],
  });

  readonly videoViewers = new Gauge({
    name: 'tw_cctv_viewers',
    help: 'Open live video WebSockets',
    registers: [this.registry],
  });

  readonly videoRestarts = new Counter({
    name: 'tw_cctv_stream_restarts_total',
    help: 'Camera transcoders restarted, by cause (input lost, stalled, exited)',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  readonly videoSkipped = new Counter({
    name: 'tw_cctv_segments_skipped_total',
    help: 'Video segments not sent to a viewer that was too slow to take them',
    registers: [this.registry],
  });

  readonly evidenceOffersRefused = new Counter({
    name: 'tw_evidence_offers_refused_total',
    help: 'Dock offers refused (NAK 6) because the evidence disk would fall below its free-space floor',
    registers: [this.registry],
  });

  readonly dockMalformed = new Counter({
    name: 'tw_dock_malformed_total',
    help: 'Undecodable packets and malformed frames from docks, by kind (journaled as one quarantine.message per dock per minute)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly evidenceStorageFull = new Gauge({
    name: 'tw_evidence_storage_full',
    help: '1 while a dock has its offers refused for want of disk space (alarm: evidence.storage-full)',
    registers: [this.registry],
  });

  /** Set by the uplink forwarder: read at scrape time, so the lag in seconds is current. */
  uplinkLag: (() => { events: number; seconds: number }) | null = null;

  readonly uplinkLagEvents: Gauge = new Gauge({
    name: 'tw_uplink_lag_events',
    help: 'Journal events the regional broker has not yet acknowledged',
    registers: [this.registry],
    collect: () => this.uplinkLagEvents.set(this.uplinkLag?.().events ?? 0),
  });

  readonly uplinkLagSeconds: Gauge = new Gauge({
    name: 'tw_uplink_lag_seconds',
    help: 'Age of the oldest journal event not yet acknowledged upstream (0 when caught up)',
    registers: [this.registry],
    collect: () => this.uplinkLagSeconds.set(this.uplinkLag?.().seconds ?? 0),
  });

  readonly uplinkConnected = new Gauge({
    name: 'tw_uplink_connected',
    help: '1 while the uplink is connected to the regional broker',
    registers: [this.registry],
  });

  readonly uplinkEvents = new Counter({
    name: 'tw_uplink_events_total',
    help: 'Journal events acknowledged by the regional broker, by the form they left in',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  readonly uplinkResent = new Counter({
    name: 'tw_uplink_resent_events_total',
    help: 'Events sent again because the region asked for them (the broker had lost them)',
    registers: [this.registry],
  });

  readonly uplinkFailures = new Counter({
    name: 'tw_uplink_failures_total',
    help: 'Uplink connection losses, refused publishes, PUBACK timeouts and publishes no region took',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** Set by the composition root: the site's health as the alert rules need it, read at scrape time. */
  site: (() => SiteProbe) | null = null;

  readonly journalFailing: Gauge = new Gauge({
    name: 'tw_journal_failing',
    help: '1 while the journal refuses appends (its last commit failed, or its writer died)',
    registers: [this.registry],
    collect: () => this.journalFailing.set(this.site?.().journalFailing ? 1 : 0),
  });

  readonly diskFree: Gauge<'volume'> = new Gauge({
    name: 'tw_disk_free_bytes',
    help: "Free bytes (for the gateway's user) on the filesystem of the journal and of the data directory",
    labelNames: ['volume'] as const,
    registers: [this.registry],
    collect: () => this.setDisk(this.diskFree, 'freeBytes'),
  });

  readonly diskSize: Gauge<'volume'> = new Gauge({
    name: 'tw_disk_size_bytes',
    help: 'Size in bytes of the filesystem of the journal and of the data directory',
    labelNames: ['volume'] as const,
    registers: [this.registry],
    collect: () => this.setDisk(this.diskSize, 'sizeBytes'),
  });

  readonly emergenciesUnacknowledged: Gauge = new Gauge({
    name: 'tw_emergencies_unacknowledged',
    help: 'Emergencies raised that no controller has acknowledged yet',
    registers: [this.registry],
    collect: () => this.emergenciesUnacknowledged.set(this.site?.().unacknowledged.count ?? 0),
  });

  readonly emergencyUnacknowledgedSeconds: Gauge = new Gauge({
    name: 'tw_emergency_unacknowledged_seconds',
    help: 'How long the oldest unacknowledged emergency has waited (0 when none)',
    registers: [this.registry],
    collect: () => this.emergencyUnacknowledgedSeconds.set(this.site?.().unacknowledged.oldestSeconds ?? 0),
  });

  readonly unitsLostContact: Gauge = new Gauge({
    name: 'tw_units_lost_contact',
    help: 'Units whose radio has not been heard for gateway.unitLostContactSeconds',
    registers: [this.registry],
    collect: () => this.unitsLostContact.set(this.site?.().lostContact ?? 0),
  });

  private setDisk(g: Gauge<'volume'>, key: keyof DiskSpace): void {
    g.reset();
    for (const [volume, d] of Object.entries(this.site?.().disks ?? {})) if (d) g.set({ volume }, d[key]);
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }
}

export interface DiskSpace {
  freeBytes: number;
  sizeBytes: number;
}

export interface SiteProbe {
  journalFailing: boolean;
  /** By volume (`journal`, `data`); null where the filesystem cannot be read. */
  disks: Record<string, DiskSpace | null>;
  unacknowledged: { count: number; oldestSeconds: number };
  lostContact: number;
}

/**
 * `tw/v1/radio/2001/position` → `radio.position`: the contract's topic names (a fixed set), or
 * `unknown`. Never a piece of the topic itself: a client could mint a label, and so a new time
 * series in every scrape, with each topic it makes up.
 */
export function topicClass(topic: string): string {
  return (topic.startsWith(TOPIC_PREFIX) ? matchTopic(topic) : matchExternalTopic(topic))?.spec.name ?? 'unknown';
}
