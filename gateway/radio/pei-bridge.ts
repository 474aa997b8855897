import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import { PeiAdapter } from '../../devices/radio/pei-adapter';
import type { RadioEvent } from '../../devices/radio/types';
import type { Journal } from '../journal/journal';

/**
 * TETRA control stations (PEI over serial) into the journal. Their events take the same types
 * as MQTT handsets' (`radio.position`, `radio.status`…), so every view treats both alike; the
 * raw AT header and SDS PDU travel in the event, so any decode can be checked again.
 */
export class PeiBridge {
  private readonly adapters = new Map<string, PeiAdapter>();

  constructor(
    private readonly config: Config,
    private readonly journal: Journal,
    private readonly log: Logger,
    private readonly baseDir: string,
    private readonly timing: { keepaliveIdleMs?: number; keepaliveTimeoutMs?: number } = {},
  ) {}

  async start(): Promise<void> {
    for (const station of this.config.radio.controlStations) {
      const adapter = new PeiAdapter({
        path: resolve(this.baseDir, station.serialPath), baudRate: station.baudRate, logger: this.log, ...this.timing,
      });
      adapter.on('event', (ev) => this.record(station.id, ev));
      this.adapters.set(station.id, adapter);
      await adapter.start();
    }
  }

  get stations(): Array<{ id: string; linkUp: boolean }> {
    return [...this.adapters].map(([id, a]) => ({ id, linkUp: a.linkUp }));
  }

  /**
   * Sends a text by SDS on the first control station whose link is up, and journals the SDS
   * message reference so the delivery report can be matched to the alert. No station up: no-op.
   */
  async sendText(to: number, text: string, alertId: string): Promise<void> {
    const entry = [...this.adapters].find(([, a]) => a.linkUp);
    if (!entry) return;
    const [station, adapter] = entry;
    const { msgRef } = await adapter.sendText(to, text, { requestReport: true });
    await this.journal.append({ source: `pei:${station}`, type: 'alert.pei-sent', ref: alertId, payload: { alertId, station, to, msgRef } });
  }

  private record(station: string, ev: RadioEvent): void {
    const source = `pei:${station}`;
    const append = (() => {
      switch (ev.type) {
        case 'radio.link':
          return this.journal.append({ source, type: 'radio.link', subject: `station:${station}`, payload: { station, state: ev.state, reason: ev.reason } });
        case 'radio.malformed':
          return this.journal.append({ source, type: 'quarantine.message', subject: `station:${station}`, payload: { topic: null, station, kind: 'pei', reason: ev.reason, raw: ev.raw } });
        default: {
          const { type, ...payload } = ev;
          return this.journal.append({ source, type, subject: `radio:${ev.issi}`, payload });
        }
      }
    })();
    append.catch((err: unknown) => this.log.error({ err, station, type: ev.type }, 'could not journal PEI event'));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.adapters.values()].map((a) => a.stop()));
    this.adapters.clear();
  }
}
