import { readFileSync } from 'node:fs';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { parseRegionTopic, REGION_TOPIC_FILTER, resendTopic, SiteStatus, STATUS_TOPIC_FILTER, UplinkMessage, UPLINK_WIRE_VERSION } from '../uplink/wire';
import type { RegionConfig } from './config';
import { checkStatusSignature, confirmChain, recordSignedHead } from './confirm';
import type { RegionStore } from './store';

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;
/** A seq the signed chain needs is asked for again at most this often. */
const CONFIRM_ASK_MS = 2000;

/**
 * Takes the sites' uplink messages off the regional broker. A shared subscription splits them
 * between the instances of one group; each instance keeps a persistent session, so what
 * arrives while it is away waits for it in the broker. A message is acknowledged (PUBACK) only
 * after its transaction commits: an instance killed mid-write gets it again. A message that
 * can never be stored (invalid) is quarantined with its reason and acknowledged.
 */
export class RegionConsumer {
  private client: MqttClient | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** Messages stored and acknowledged by this instance (tests and logs). */
  handled = 0;
  /** Connected, and the broker granted both subscriptions (SUBACK): what `/readyz` reports. */
  subscribed = false;
  private lastMessageAt = Date.now();
  private readonly askedToConfirm = new Map<string, number>();
  private inHand: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfg: RegionConfig,
    private readonly store: RegionStore,
    private readonly log: Logger,
  ) {}

  get filter(): string {
    return `$share/${this.cfg.mqtt.group}/${REGION_TOPIC_FILTER}`;
  }

  /** Resolves once connected and subscribed; keeps reconnecting by itself afterwards. */
  async start(): Promise<void> {
    const m = this.cfg.mqtt;
    const client = mqtt.connect(m.url, {
      clientId: `tw-region-${this.cfg.instance}`,
      ...(m.username ? { username: m.username } : {}),
      ...(m.password ? { password: m.password } : {}),
      ...(m.ca ? { ca: readFileSync(m.ca) } : {}),
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: m.sessionExpirySeconds },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // We subscribe on every connect ourselves (below), and check what the broker granted.
      resubscribe: false,
    });
    this.client = client;
    // MQTT.js sends the PUBACK when this callback is called, and reads the next message after it.
    client.handleMessage = (packet, done) => {
      this.lastMessageAt = Date.now();
      this.inHand = this.handle(packet);
      this.inHand.then(
        () => done(),
        (err: unknown) => this.log.warn({ err }, 'message left unacknowledged'),
      );
    };
    client.on('error', (err) => this.log.warn({ err: err.message }, 'regional broker error'));
    client.on('offline', () => this.log.warn('regional broker unreachable; reconnecting'));
    client.on('close', () => (this.subscribed = false));
    const subscribed = new Promise<void>((resolve) => {
      client.on('connect', (connack) => {
        this.subscribed = false;
        // Even when the broker kept the session: Mosquitto restores a persisted session without its
        // $share subscription, and then nothing arrives for as long as the session lasts. Subscribing
        // again to what the session already has is harmless. Statuses are not shared: every instance
        // keeps the newest, and gets the retained ones now.
        this.subscribe(client, connack.sessionPresent === true).then(resolve, (err: unknown) => {
          this.log.error({ err }, 'could not subscribe; reconnecting to try again');
          // A refused subscription will not heal by waiting: reconnect (with MQTT.js's own pause).
          client.stream.destroy();
        });
      });
    });
    await subscribed;
  }

  private async subscribe(client: MqttClient, sessionPresent: boolean): Promise<void> {
    const granted = await client.subscribeAsync({ [this.filter]: { qos: 1 }, [STATUS_TOPIC_FILTER]: { qos: 1 } });
    const refused = granted.filter((g) => g.qos > 2);
    // MQTT 5 SUBACK reason codes of 0x80 and above refuse a subscription (MQTT.js reports them as its qos).
    if (refused.length > 0 || granted.length < 2) {
      throw new Error(`broker refused ${refused.map((g) => `${g.topic} (reason 0x${g.qos.toString(16)})`).join(', ') || 'the subscriptions'}`);
    }
    this.subscribed = true;
    this.log.info({ filter: this.filter, instance: this.cfg.instance, sessionPresent }, 'region consumer subscribed');
  }

  private async handle(packet: IPublishPacket): Promise<void> {
    const raw = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const topic = parseRegionTopic(packet.topic);
    if (topic?.kind === 'status') return this.onStatus(topic.site, raw);
    const site = topic?.kind === 'events' ? topic.site : null;
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return this.retry(() => this.store.quarantine(packet.topic, `invalid JSON: ${(err as Error).message}`, raw));
    }
    const parsed = UplinkMessage.safeParse(json);
    const reason = !site
      ? 'not a tw/v1/region/<site>/events topic'
      : !parsed.success
        ? parsed.error.issues
            .slice(0, 5)
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')
        : parsed.data.site !== site
          ? `message for site ${parsed.data.site} on the topic of ${site}`
          : null;
    if (reason || !parsed.success || !site) return this.retry(() => this.store.quarantine(packet.topic, reason ?? 'invalid', raw));
    await this.retry(() => this.store.ingest(site, parsed.data.events));
    this.handled++;
  }

  /**
   * A site's head and cursor: a hint (lag, lost tails), so a bad one is logged and dropped. From
   * a site with a signing key, only a correctly signed status counts, and it confirms (and
   * repairs) the site's chain up to its cursor.
   */
  private async onStatus(site: string, raw: Buffer): Promise<void> {
    let s: SiteStatus;
    try {
      s = SiteStatus.parse(JSON.parse(raw.toString('utf8')));
    } catch (err) {
      this.log.warn({ err, site }, 'ignoring a site status');
      return;
    }
    if (s.site !== site) return;
    const check = checkStatusSignature(s, this.cfg.siteKeys.find((k) => k.site === site)?.key);
    if (check === 'invalid' || check === 'unsigned') {
      this.log.error({ site, check }, 'ignoring a site status that is not signed with the site’s key (someone else holding its MQTT password?)');
      return;
    }
    await this.retry(() => this.store.siteStatus(s));
    if (check !== 'valid') return;
    await this.retry(async () => {
      await recordSignedHead(this.store.poolRef, s);
      await this.confirm(site);
    });
  }

  /** Confirms a site's chain up to its signed head; asks for what it needs to (at most every few seconds). */
  async confirm(site: string): Promise<void> {
    const r = await confirmChain(this.store, site, this.log);
    if (r.askFor.length === 0 || Date.now() - (this.askedToConfirm.get(site) ?? 0) < CONFIRM_ASK_MS) return;
    this.askedToConfirm.set(site, Date.now());
    this.requestResend(
      site,
      r.askFor.map((seq) => [seq, seq] as const),
    );
  }

  /** Asks a site to send every missing run again, in one request; the sweeper calls this. */
  requestResend(site: string, ranges: ReadonlyArray<readonly [number, number]>): void {
    if (ranges.length === 0) return;
    const from = Math.min(...ranges.map((r) => r[0]));
    const to = Math.max(...ranges.map((r) => r[1]));
    this.client?.publish(resendTopic(site), JSON.stringify({ v: UPLINK_WIRE_VERSION, from, to, ranges }), { qos: 1 }, () => undefined);
    this.log.warn({ site, runs: ranges.length, from, to }, 'asked the site to send events again');
  }

  /** The database may be away: wait and try again rather than acknowledge what is not stored. */
  private async retry(work: () => Promise<unknown>): Promise<void> {
    for (let delay = RETRY_MIN_MS; ; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      if (this.stopped) throw new Error('stopping');
      try {
        await work();
        return;
      } catch (err) {
        if (this.stopped) throw err;
        this.log.warn({ err, retryMs: delay }, 'could not store uplink message; retrying');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }

  /**
   * Ends this instance's broker session for good, so its share of the group goes to the others
   * instead of queueing for an instance that will not return: takes what the broker queued for it
   * (until nothing has arrived for `idleMs`, at most `maxWaitMs`), leaves the group, and
   * disconnects with a session expiry of 0 (MQTT 5), which makes the broker discard the session.
   */
  async retire(opts: { idleMs?: number; maxWaitMs?: number } = {}): Promise<void> {
    const idleMs = opts.idleMs ?? 3000;
    const deadline = Date.now() + (opts.maxWaitMs ?? 120_000);
    while (Date.now() < deadline && (!this.subscribed || Date.now() - this.lastMessageAt < idleMs)) await new Promise((r) => setTimeout(r, 100));
    const client = this.client;
    if (!client) return;
    await client.unsubscribeAsync([this.filter, STATUS_TOPIC_FILTER]);
    await this.inHand.catch(() => undefined);
    this.stopped = true;
    this.client = null;
    await client.endAsync(false, { reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    this.subscribed = false;
    this.log.warn({ instance: this.cfg.instance }, 'instance retired: its session is ended and its share returns to the group');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true);
  }
}
