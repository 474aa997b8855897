import mqtt, { type MqttClient } from 'mqtt';
import type { Config } from '../config/schema';
import { DEMO_EXCLUDED_ZONES, ensureDemoSuspect, type DemoSuspect } from './demo-suspect';
import type { Handset } from './radio/handset';
import type { PeiSimulator } from './radio/pei-sim';
import { ConsoleClient } from './scenarios/console-client';

/**
 * What the demo town does by itself (`demo.activity` in the config), so that a new user sees the
 * emergency, shop report and breach screens working within minutes: in turn, a handset's
 * emergency press (MQTT and TETRA alternately, cancelled from the radio after a while), a theft
 * reported by a shop terminal, and a sighting of the demo suspect that breaches his order. Each
 * goes over the wire a real device or person uses, with the demo accounts, so the gateway
 * journals and derives it exactly as it would real traffic.
 */

export type Happening = { kind: 'emergency'; bearer: 'mqtt' | 'tetra' } | { kind: 'report' } | { kind: 'sighting' };

/** The n-th happening (from 0): the three kinds take turns; emergencies alternate MQTT and TETRA when there is a TETRA radio. Pure. */
export function happening(n: number, hasTetra: boolean): Happening {
  const round = Math.floor(n / 3);
  if (n % 3 === 0) return { kind: 'emergency', bearer: hasTetra && round % 2 === 1 ? 'tetra' : 'mqtt' };
  return n % 3 === 1 ? { kind: 'report' } : { kind: 'sighting' };
}

/** TETRA radios behind the demo's PEI control station, and where each is now. */
export interface TetraRadios {
  sim: PeiSimulator;
  issis: number[];
  where: (issi: number) => { lat: number; lon: number };
}

export interface DemoActivityOptions {
  config: Config;
  mqttUrl: string;
  httpUrl: string;
  passwordFor: (username: string) => string;
  /** MQTT handsets already walking the town. */
  handsets: Handset[];
  tetra: TetraRadios | null;
  /** Overrides `config.demo.activity`'s timings (tests). */
  firstAfterMs?: number;
  everyMs?: number;
  cancelAfterMs?: number;
  log?: (line: string) => void;
}

/** What each shop terminal reports: a theft in progress, described as a shop worker would. */
const THEFTS: Record<string, string> = {
  'prem-013':
    'Theft in progress: two men filling a holdall with spirits at aisle 7. One in a red North Face jacket, the other in a black beanie. Heading for the Market Square doors.',
  'prem-001': 'Theft in progress: woman in her 40s, long blonde hair, beige mac, putting perfume gift sets into a pushchair. Still in the shop.',
  'prem-007': "Theft in progress: man in a grey tracksuit took a customer's phone from the counter and is walking out towards the station.",
};

/** The order he walks the town in: neighbouring zones, so each sighting is a walk the gateway finds plausible. */
const ROUTE = ['market-square', 'high-street-south', 'bus-station', 'bridge-street', 'victoria-centre', 'high-street-north'];

export class DemoActivity {
  private n = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly cancels = new Set<NodeJS.Timeout>();
  private running: Promise<void> = Promise.resolve();
  private readonly devices = new Map<string, Promise<MqttClient>>();
  private readonly people = new Map<string, Promise<ConsoleClient>>();
  private suspect: Promise<DemoSuspect> | null = null;
  private readonly log: (line: string) => void;

  constructor(private readonly o: DemoActivityOptions) {
    this.log = o.log ?? ((line) => console.log(`sim: demo: ${line}`));
  }

  private get timing(): { firstMs: number; everyMs: number; cancelMs: number } {
    const a = this.o.config.demo.activity;
    return {
      firstMs: this.o.firstAfterMs ?? a.firstAfterSeconds * 1000,
      everyMs: this.o.everyMs ?? a.everySeconds * 1000,
      cancelMs: this.o.cancelAfterMs ?? a.emergencyCancelSeconds * 1000,
    };
  }

  start(): void {
    // The suspect is on the Subjects screen from the start, not only once he is first seen.
    this.demoSuspect().catch((err: unknown) => this.log(`could not record the demo suspect yet: ${message(err)}`));
    this.timer = setTimeout(() => this.tick(), this.timing.firstMs);
  }

  private tick(): void {
    if (this.stopped) return;
    const next = happening(this.n++, this.o.tetra !== null && this.o.tetra.issis.length > 0);
    this.running = this.raise(next)
      .catch((err: unknown) => this.log(`${next.kind} failed: ${message(err)}`))
      .finally(() => {
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.timing.everyMs);
      });
  }

  private raise(h: Happening): Promise<void> {
    if (h.kind === 'emergency') return h.bearer === 'tetra' ? this.tetraEmergency() : this.mqttEmergency();
    return h.kind === 'report' ? this.shopReport() : this.sighting();
  }

  private later(work: () => Promise<void>): void {
    const t = setTimeout(() => {
      this.cancels.delete(t);
      work().catch((err: unknown) => this.log(`cancel failed: ${message(err)}`));
    }, this.timing.cancelMs);
    this.cancels.add(t);
  }

  private callsign(issi: number): string {
    return this.o.config.units.find((u) => u.issi === issi)?.callsign ?? `radio ${issi}`;
  }

  /** Presses so far, per kind of radio: each press is another unit's. */
  private presses = { mqtt: 0, tetra: 0 };

  private async mqttEmergency(): Promise<void> {
    const { handsets } = this.o;
    if (handsets.length === 0) throw new Error('no MQTT handset');
    const h = handsets[this.presses.mqtt++ % handsets.length]!;
    await h.emergency('pressed');
    this.log(`${this.callsign(h.issi)} pressed the emergency button (MQTT handset ${h.issi})`);
    this.later(async () => {
      await h.emergency('cancelled');
      this.log(`${this.callsign(h.issi)} cancelled the emergency on the handset`);
    });
  }

  private async tetraEmergency(): Promise<void> {
    const t = this.o.tetra!;
    const issi = t.issis[this.presses.tetra++ % t.issis.length]!;
    // The emergency button sends a LIP report with reason 2: where the radio is, and why.
    await t.sim.sendPosition(issi, { ...t.where(issi), reason: 2 });
    this.log(`${this.callsign(issi)} pressed the emergency button (TETRA radio ${issi}, LIP)`);
    const available = Object.entries(this.o.config.radio.statusCodes).find(([, c]) => c.state === 'available')?.[0];
    this.later(async () => {
      // A TETRA terminal has no "cancel" message: its user sends the Available status.
      await t.sim.sendStatus(issi, Number(available ?? 32768));
      this.log(`${this.callsign(issi)} sent Available after the emergency (TETRA status)`);
    });
  }

  /** A device's MQTT session, with its own account, kept for the next time. */
  private device(username: string): Promise<MqttClient> {
    let c = this.devices.get(username);
    if (!c) {
      c = mqtt.connectAsync(this.o.mqttUrl, { username, password: this.o.passwordFor(username), clientId: `${username}-demo`, reconnectPeriod: 1000 });
      void c.catch(() => this.devices.delete(username));
      this.devices.set(username, c);
    }
    return c;
  }

  /** A person logged in at a console, kept for the next time (logged in again if the session is gone). */
  private person(username: string): Promise<ConsoleClient> {
    let p = this.people.get(username);
    if (!p) {
      p = ConsoleClient.login(this.o.httpUrl, username, this.o.passwordFor(username));
      void p.catch(() => this.people.delete(username));
      this.people.set(username, p);
    }
    return p;
  }

  private async asPerson<T>(username: string, work: (c: ConsoleClient) => Promise<T>): Promise<T> {
    try {
      return await work(await this.person(username));
    } catch (err) {
      this.people.delete(username); // an expired session: log in afresh next time
      throw err;
    }
  }

  private demoSuspect(): Promise<DemoSuspect> {
    const zones = this.o.config.zones.map((z) => z.id);
    this.suspect ??= this.asPerson(this.policeAccount(), (police) => ensureDemoSuspect(police, zones)).then(
      (s) => {
        this.log(`${s.name} is under a CBO excluding ${DEMO_EXCLUDED_ZONES.filter((z) => zones.includes(z)).length} zones, shared with members`);
        return s;
      },
      (err: unknown) => {
        this.suspect = null;
        throw err;
      },
    );
    return this.suspect;
  }

  private consoleAccount(role: string): Config['accounts'][number] | undefined {
    return this.o.config.accounts.find((a) => a.role === 'console' && a.consoleRole === role);
  }

  private policeAccount(): string {
    const a = this.consoleAccount('police') ?? this.consoleAccount('controller');
    if (!a) throw new Error('no police or controller account to record the demo suspect');
    return a.username;
  }

  private reports = 0;

  private async shopReport(): Promise<void> {
    const terminals = this.o.config.accounts.filter((a): a is typeof a & { premisesId: string } => a.role === 'shop-terminal' && a.premisesId !== undefined);
    if (terminals.length === 0) throw new Error('no shop terminal account');
    const t = terminals[this.reports++ % terminals.length]!;
    const premises = this.o.config.premises.find((p) => p.id === t.premisesId);
    const description = THEFTS[t.premisesId] ?? 'Theft in progress: man in a dark hoodie took stock from the shelves by the door and is leaving now.';
    const client = await this.device(t.username);
    const report = { kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description };
    await client.publishAsync(`tw/v1/shop/${t.premisesId}/report`, JSON.stringify(report), { qos: 1 });
    this.log(`${premises?.name ?? t.premisesId} reported a theft in progress (shop terminal)`);
  }

  private sightings = 0;

  private async sighting(): Promise<void> {
    const { config } = this.o;
    const suspect = await this.demoSuspect();
    const member = this.consoleAccount('member');
    const memberZone = config.premises.find((p) => p.id === member?.premisesId)?.zone;
    const route = ROUTE.filter((z) => z === memberZone || config.cameras.some((c) => c.zone === z));
    if (route.length === 0) throw new Error('no camera or member premises in the zones of his order');
    const zone = route[this.sightings++ % route.length]!;
    const at = new Date().toISOString();
    if (member?.premisesId && zone === memberZone) {
      const premisesId = member.premisesId;
      await this.asPerson(member.username, (m) =>
        m.post('/api/reports', {
          kind: 'sighting',
          category: 'cbo-breach',
          occurredAt: at,
          description: `${suspect.name} is in the shop again, by the perfume counter. Green parka, hood up.`,
          subjectId: suspect.subjectId,
        }),
      );
      this.log(`${member.username} (${config.premises.find((p) => p.id === premisesId)?.name}) reported ${suspect.name} in the shop`);
      return;
    }
    const camera = config.cameras.find((c) => c.zone === zone)!;
    const operator = this.consoleAccount('cctv-operator')?.username ?? 'operator';
    const cctv = await this.device(config.accounts.find((a) => a.role === 'camera-system')?.username ?? 'cctv');
    const mark = { seenAt: at, operator, subjectId: suspect.subjectId, description: `${suspect.name} walking through, green parka`, zone };
    await cctv.publishAsync(`tw/v1/cctv/${camera.id}/sighting`, JSON.stringify(mark), { qos: 1 });
    this.log(`${operator} marked ${suspect.name} on ${camera.id} (${camera.name})`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.cancels) clearTimeout(t);
    this.cancels.clear();
    await this.running;
    const devices = await Promise.allSettled([...this.devices.values()]);
    await Promise.all(devices.map((d) => (d.status === 'fulfilled' ? d.value.endAsync().catch(() => undefined) : Promise.resolve())));
    const people = await Promise.allSettled([...this.people.values()]);
    for (const p of people) if (p.status === 'fulfilled') p.value.close();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
