import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The gateway's Prometheus metrics, one registry per gateway instance (tests run several in
 * one process). Default metrics include event-loop lag and RSS.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly messagesIn = new Counter({
    name: 'tw_mqtt_messages_in_total',
    help: 'Inbound MQTT messages by topic class and outcome',
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }
}

/** `tw/v1/radio/2001/position` → `radio`: a bounded label set for metrics. */
export function topicClass(topic: string): string {
  const parts = topic.split('/');
  return parts[0] === 'tw' && parts[1] === 'v1' && parts[2] ? parts[2] : 'other';
}
