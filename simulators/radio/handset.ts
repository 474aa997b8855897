import mqtt, { type MqttClient } from 'mqtt';
import type { Config } from '../../config/schema';
import { Walker } from './walker';

export interface HandsetOptions {
  url: string;
  issi: number;
  username: string;
  password: string;
  config: Config;
  startZone: string;
  seed: number;
  clientId?: string;
  /** GSSIs whose downlinks (alerts) this handset listens to. */
  talkgroups?: number[];
  /** Confirm downlinks that ask for it, as a real handset does on display. Default true. */
  acknowledge?: boolean;
}

/** A downlink as the handset shows it to its user. */
export interface ReceivedDownlink {
  topic: string;
  msgId: string;
  kind: string;
  text: string;
}

/**
 * One simulated MQTT handset (push-to-talk over cellular). It speaks the topic contract the
 * way a device vendor would, from the published topic table, not from the gateway's code.
 */
export class Handset {
  client: MqttClient | null = null;
  readonly received: ReceivedDownlink[] = [];
  private readonly walker: Walker;
  private readonly base: string;

  constructor(private readonly opts: HandsetOptions) {
    this.walker = new Walker(opts.config, opts.startZone, opts.seed);
    this.base = `tw/v1/radio/${opts.issi}`;
  }

  get issi(): number {
    return this.opts.issi;
  }

  async connect(): Promise<void> {
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.clientId ?? `handset-${this.opts.issi}`,
      username: this.opts.username,
      password: this.opts.password,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: `${this.base}/presence`, payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true },
    });
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('message', (topic, payload) => this.onDownlink(topic, payload));
    const downlinks = [`${this.base}/down`, ...(this.opts.talkgroups ?? []).map((g) => `tw/v1/talkgroup/${g}/down`)];
    await client.subscribeAsync(Object.fromEntries(downlinks.map((t) => [t, { qos: 1 as const }])));
    await this.send('presence', { online: true }, true);
  }

  private onDownlink(topic: string, payload: Buffer): void {
    let msg: { msgId?: unknown; kind?: unknown; text?: unknown; ackRequested?: unknown };
    try {
      msg = JSON.parse(payload.toString()) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.msgId !== 'string') return;
    this.received.push({ topic, msgId: msg.msgId, kind: String(msg.kind), text: String(msg.text) });
    if (msg.ackRequested === true && this.opts.acknowledge !== false) {
      this.send('receipt', { msgId: msg.msgId, status: 'delivered' }).catch(() => undefined);
    }
  }

  private async send(kind: string, payload: object, retain = false): Promise<void> {
    if (!this.client) throw new Error('handset not connected');
    await this.client.publishAsync(`${this.base}/${kind}`, JSON.stringify(payload), { qos: 1, retain });
  }

  /** Walks for `seconds` and reports the new fix. */
  async move(seconds: number): Promise<void> {
    const p = this.walker.step(seconds);
    await this.send('position', {
      lat: round(p.lat, 6),
      lon: round(p.lon, 6),
      accuracyM: 5,
      speedKmh: round(p.speedKmh, 1),
      headingDeg: round(p.headingDeg, 0),
      fixTime: new Date().toISOString(),
    });
  }

  status(value: number): Promise<void> {
    return this.send('status', { value });
  }

  ptt(state: 'start' | 'stop', talkgroup: number): Promise<void> {
    return this.send('ptt', { state, talkgroup });
  }

  emergency(state: 'pressed' | 'cancelled'): Promise<void> {
    return this.send('emergency', { state });
  }

  text(to: number, text: string): Promise<void> {
    return this.send('text', { to, text });
  }

  /** The user opened a downlink: the read receipt the topic contract allows after "delivered". */
  read(msgId: string): Promise<void> {
    return this.send('receipt', { msgId, status: 'read' });
  }

  async close(): Promise<void> {
    if (!this.client) return;
    await this.send('presence', { online: false }, true).catch(() => undefined);
    await this.client.endAsync();
    this.client = null;
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
