import type { Config } from '../../config/schema';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

export type UnitState = Config['radio']['statusCodes'][string]['state'] | 'unknown';

export interface Fix {
  lat: number;
  lon: number;
  accuracyM: number | null;
  speedKmh: number | null;
  headingDeg: number | null;
  fixTime: string;
  /** Journal time the fix was received: the age shown to controllers counts from here. */
  receivedAt: number;
}

export interface UnitView {
  id: string;
  callsign: string;
  role: string;
  issi: number;
  state: UnitState;
  statusValue: number | null;
  fix: Fix | null;
  lastHeard: number | null;
  talking: { talkgroup: number; since: number } | null;
  online: boolean | null;
  lostContact: boolean;
  /** How the unit's radio was last heard: an MQTT handset or a TETRA radio via PEI. */
  bearer: 'mqtt' | 'pei' | null;
}

interface RadioPayload {
  issi?: number;
  [key: string]: unknown;
}

/** Units (officers and guards with radios): position, state, talking, contact. */
export class UnitsProjection implements Projection<UnitView[]> {
  readonly name = 'units';
  private readonly units = new Map<string, UnitView>();
  private readonly byIssi = new Map<number, UnitView>();

  constructor(private readonly config: Config) {
    for (const u of config.units) {
      const view: UnitView = {
        id: u.id, callsign: u.callsign, role: u.role, issi: u.issi, state: 'unknown', statusValue: null,
        fix: null, lastHeard: null, talking: null, online: null, lostContact: false, bearer: null,
      };
      this.units.set(u.id, view);
      this.byIssi.set(u.issi, view);
    }
  }

  unitByIssi(issi: number): UnitView | undefined {
    return this.byIssi.get(issi);
  }

  get(id: string): UnitView | undefined {
    return this.units.get(id);
  }

  all(): IterableIterator<UnitView> {
    return this.units.values();
  }

  apply(e: JournalEvent): void {
    if (e.type === 'incident.dispatched' || e.type === 'incident.on-scene') {
      // Sent by the control room, then there: until its radio says otherwise.
      const u = this.units.get((e.payload as { unitId: string }).unitId);
      if (u) u.state = e.type === 'incident.dispatched' ? 'en-route' : 'on-scene';
      return;
    }
    if (e.type === 'unit.lost-contact') {
      const u = this.units.get((e.payload as { unitId: string }).unitId);
      if (u) u.lostContact = true;
      return;
    }
    if (!e.type.startsWith('radio.')) return;
    const p = (e.payload ?? {}) as RadioPayload;
    const unit = p.issi !== undefined ? this.byIssi.get(p.issi) : undefined;
    if (!unit) return;
    unit.lastHeard = e.ts;
    unit.lostContact = false;
    unit.bearer = e.source.startsWith('pei:') ? 'pei' : 'mqtt';
    switch (e.type) {
      case 'radio.position':
        unit.fix = {
          lat: p.lat as number, lon: p.lon as number, accuracyM: (p.accuracyM as number | null) ?? null,
          speedKmh: (p.speedKmh as number | null) ?? null, headingDeg: (p.headingDeg as number | null) ?? null,
          fixTime: p.fixTime as string, receivedAt: e.ts,
        };
        break;
      case 'radio.status': {
        const value = p.value as number;
        unit.statusValue = value;
        const code = this.config.radio.statusCodes[String(value)];
        if (code) unit.state = code.state;
        break;
      }
      case 'radio.ptt':
        unit.talking = p.state === 'start' ? { talkgroup: p.talkgroup as number, since: e.ts } : null;
        break;
      case 'radio.presence':
        unit.online = p.online as boolean;
        if (!unit.online) unit.talking = null;
        break;
    }
  }

  snapshot(): UnitView[] {
    return [...this.units.values()].map((u) => structuredClone(u));
  }
}
