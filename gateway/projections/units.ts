import type { Config } from '../../config/schema';
import { isEvent } from '../contract/events';
import type { UnitView } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { UnitState, Fix, UnitView } from '../contract/views';

/** Units (officers and guards with radios): position, state, talking, contact. */
export class UnitsProjection implements Projection<UnitView[]> {
  readonly name = 'units';
  private readonly units = new Map<string, UnitView>();
  private readonly byIssi = new Map<number, UnitView>();
  /** Units whose state (not merely their fix) changed since the last `takeChanged()`. */
  private readonly changed = new Set<string>();

  constructor(private readonly config: Config) {
    for (const u of config.units) {
      const view: UnitView = {
        id: u.id,
        callsign: u.callsign,
        role: u.role,
        issi: u.issi,
        state: 'unknown',
        statusValue: null,
        fix: null,
        lastHeard: null,
        talking: null,
        online: null,
        lostContact: false,
        bearer: null,
        emergencyId: null,
        incidentId: null,
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

  /**
   * The units whose state changed since the last call, as the console shows them: the gateway
   * sends these after each batch, so the console never re-derives a unit's state itself.
   */
  takeChanged(): UnitView[] {
    const out = [...this.changed].map((id) => structuredClone(this.units.get(id)!));
    this.changed.clear();
    return out;
  }

  apply(e: JournalEvent): void {
    // An erased payload (retention) no longer says which unit it was about.
    if (e.payload === null) return;
    if (e.type === 'incident.dispatched' || e.type === 'incident.on-scene') {
      // Sent by the control room, then there: until its radio says otherwise.
      const u = this.units.get(e.payload.unitId);
      if (!u) return;
      u.state = e.type === 'incident.dispatched' ? 'en-route' : 'on-scene';
      u.incidentId = e.payload.incidentId;
      this.changed.add(u.id);
      return;
    }
    if (e.type === 'incident.closed') {
      // The incident is over: its units are free for the next one (and its ranking) again.
      const id = e.payload.incidentId;
      for (const u of this.units.values()) {
        if (u.incidentId !== id) continue;
        u.incidentId = null;
        if (u.state === 'en-route' || u.state === 'on-scene') u.state = 'available';
        this.changed.add(u.id);
      }
      return;
    }
    if (e.type === 'emergency.raised' || e.type === 'emergency.resolved') {
      const p = e.payload;
      const u = e.type === 'emergency.raised' ? this.units.get(p.unitId) : [...this.units.values()].find((x) => x.emergencyId === p.emergencyId);
      if (!u) return;
      u.emergencyId = e.type === 'emergency.raised' ? p.emergencyId : null;
      this.changed.add(u.id);
      return;
    }
    if (e.type === 'unit.lost-contact') {
      const u = this.units.get(e.payload.unitId);
      if (u) u.lostContact = true;
      if (u) this.changed.add(u.id);
      return;
    }
    if (!isEvent(e, 'radio.position', 'radio.status', 'radio.ptt', 'radio.presence', 'radio.emergency', 'radio.text', 'radio.receipt') || !e.payload) return;
    const unit = this.byIssi.get(e.payload.issi);
    if (!unit) return;
    // A fix alone goes to consoles as a position; anything else, or a fix that ends a lost contact, is a change of state.
    if (e.type !== 'radio.position' || unit.lostContact) this.changed.add(unit.id);
    unit.lastHeard = e.ts;
    unit.lostContact = false;
    unit.bearer = e.source.startsWith('pei:') ? 'pei' : 'mqtt';
    switch (e.type) {
      case 'radio.position': {
        const p = e.payload;
        unit.fix = {
          lat: p.lat,
          lon: p.lon,
          accuracyM: p.accuracyM ?? null,
          speedKmh: p.speedKmh ?? null,
          headingDeg: p.headingDeg ?? null,
          fixTime: p.fixTime,
          receivedAt: e.ts,
        };
        break;
      }
      case 'radio.status': {
        const value = e.payload.value;
        unit.statusValue = value;
        const code = this.config.radio.statusCodes[String(value)];
        if (code) unit.state = code.state;
        // Available or off duty from the radio ends its part in an incident.
        if (code && (code.state === 'available' || code.state === 'off-duty')) unit.incidentId = null;
        break;
      }
      case 'radio.ptt':
        unit.talking = e.payload.state === 'start' ? { talkgroup: e.payload.talkgroup, since: e.ts } : null;
        break;
      case 'radio.presence':
        unit.online = e.payload.online;
        if (!unit.online) unit.talking = null;
        break;
    }
  }

  snapshot(): UnitView[] {
    return [...this.units.values()].map((u) => structuredClone(u));
  }
}
