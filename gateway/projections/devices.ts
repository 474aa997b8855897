import type { DeviceView } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { DeviceView } from '../contract/views';

/** MQTT clients the broker has accepted, and whether each is connected now. */
export class DevicesProjection implements Projection<DeviceView[]> {
  readonly name = 'devices';
  private readonly devices = new Map<string, DeviceView>();

  apply(e: JournalEvent): void {
    if (e.type === 'mqtt.connected' && e.payload) {
      const p = e.payload;
      this.devices.set(p.clientId, { clientId: p.clientId, username: p.username, role: p.role, online: true, since: e.ts });
    } else if (e.type === 'mqtt.disconnected' && e.payload) {
      const d = this.devices.get(e.payload.clientId);
      if (d) Object.assign(d, { online: false, since: e.ts });
    }
  }

  /** Clients recorded as connected; after a crash these were not disconnected cleanly. */
  online(): DeviceView[] {
    return [...this.devices.values()].filter((d) => d.online);
  }

  snapshot(): DeviceView[] {
    return [...this.devices.values()].map((d) => ({ ...d })).sort((a, b) => a.clientId.localeCompare(b.clientId));
  }
}
