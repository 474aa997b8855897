import mqtt, { type MqttClient } from 'mqtt';
import { ShopDownlink } from '../../gateway/contract/payloads';
import { topicFor } from '../../gateway/contract/topics';

export interface ShopTerminalOptions {
  mqttUrl: string;
  username: string;
  password: string;
  premisesId: string;
  /** How long after showing a bulletin someone at the counter reads it (default 8 s). */
  readAfterMs?: number;
  /** Told what the terminal did, for the demo's console output. */
  log?: (line: string) => void;
}

/**
 * A member premises' shop terminal, as the demo runs it: it listens on its own premises'
 * downlink, receipts each bulletin `delivered` as soon as it shows it, and `read` a little later,
 * as a person at the counter would. A downlink that is not the contract's is ignored.
 */
export class ShopTerminal {
  private client: MqttClient | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bulletins shown, oldest first: what a test or the demo's log can look at. */
  readonly shown: Array<{ msgId: string; kind: string; text: string }> = [];

  constructor(private readonly o: ShopTerminalOptions) {}

  async start(): Promise<void> {
    const client = await mqtt.connectAsync(this.o.mqttUrl, {
      username: this.o.username,
      password: this.o.password,
      // Its own id: the demo's report sender connects as the same account under another.
      clientId: `${this.o.username}-terminal`,
      reconnectPeriod: 1000,
    });
    this.client = client;
    const down = topicFor('shop.downlink', { premisesId: this.o.premisesId });
    client.on('message', (topic, payload) => {
      if (topic === down) this.onBulletin(payload);
    });
    await client.subscribeAsync(down, { qos: 1 });
  }

  private onBulletin(payload: Buffer): void {
    let msg: ShopDownlink;
    try {
      msg = ShopDownlink.parse(JSON.parse(payload.toString('utf8')));
    } catch {
      return;
    }
    this.shown.push({ msgId: msg.msgId, kind: msg.kind, text: msg.text });
    this.o.log?.(`${this.o.username} shows ${msg.kind} from ${msg.from}: ${msg.text.slice(0, 60)}`);
    this.receipt(msg.msgId, 'delivered');
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.receipt(msg.msgId, 'read');
    }, this.o.readAfterMs ?? 8000);
    this.timers.add(t);
  }

  private receipt(msgId: string, status: 'delivered' | 'read'): void {
    const topic = topicFor('shop.receipt', { premisesId: this.o.premisesId });
    this.client?.publishAsync(topic, JSON.stringify({ msgId, status }), { qos: 1 }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.client?.endAsync();
    this.client = null;
  }
}
