import type { Config } from '../../config/schema';
import { Handset } from './handset';
import { mulberry32 } from '../random';

export interface FleetOptions {
  url: string;
  config: Config;
  units: number;
  /** Position reports per second per handset. */
  rateHz: number;
  passwordFor: (username: string) => string;
  seed?: number;
}

/**
 * A fleet of MQTT handsets walking the town. The configured units log in with their own
 * accounts; beyond those, extra handsets come in through the radio IP gateway account
 * (role control-station), as a real PoC network's handsets would.
 */
export class Fleet {
  readonly handsets: Handset[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly rand: () => number;

  constructor(private readonly opts: FleetOptions) {
    this.rand = mulberry32(opts.seed ?? 1);
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    const gatewayAccount = config.accounts.find((a) => a.role === 'control-station');
    const zones = config.zones.map((z) => z.id);
    const extraIssis = spareIssis(gatewayAccount?.issiRanges ?? [], new Set(config.units.map((u) => u.issi)));
    for (let i = 0; i < this.opts.units; i++) {
      const unit = config.units[i];
      const issi = unit ? unit.issi : extraIssis.next().value;
      if (issi === undefined) throw new Error("the control-station account's ISSI ranges are too small for this many handsets");
      const own = config.accounts.find((a) => a.role === 'handset' && a.issi === issi);
      const username = own?.username ?? gatewayAccount?.username;
      if (!username) throw new Error('no account for extra handsets: configure a control-station account');
      const talkgroups = (unit?.talkgroups ?? []).map((id) => config.talkgroups.find((t) => t.id === id)?.gssi).filter((g): g is number => g !== undefined);
      this.handsets.push(
        new Handset({
          url: this.opts.url,
          issi,
          username,
          password: this.opts.passwordFor(username),
          config,
          talkgroups,
          startZone: zones[i % zones.length]!,
          seed: (this.opts.seed ?? 1) * 1000 + i,
        }),
      );
    }
    // Connect in small groups: a thousand simultaneous CONNECTs measure the harness.
    for (let i = 0; i < this.handsets.length; i += 50) {
      await Promise.all(this.handsets.slice(i, i + 50).map((h) => h.connect()));
    }
    const periodMs = 1000 / this.opts.rateHz;
    this.handsets.forEach((h, i) => {
      // Spread the handsets' report times evenly across the period.
      const offset = (periodMs * i) / this.handsets.length;
      const t = setTimeout(() => {
        const iv = setInterval(() => this.tick(h, periodMs / 1000), periodMs);
        this.timers.push(iv);
      }, offset);
      this.timers.push(t);
    });
  }

  private tick(h: Handset, seconds: number): void {
    const r = this.rand();
    const work = r < 0.002 ? h.status(32768 + Math.floor(this.rand() * 4)) : h.move(seconds);
    work.catch(() => undefined); // a handset offline for a moment just misses a report
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.all(this.handsets.map((h) => h.close().catch(() => undefined)));
  }
}

/** ISSIs a radio IP gateway may speak for that no configured unit uses. */
function* spareIssis(ranges: ReadonlyArray<readonly [number, number]>, used: Set<number>): Generator<number, undefined> {
  for (const [from, to] of ranges) for (let issi = from; issi <= to; issi++) if (!used.has(issi)) yield issi;
  return undefined;
}
