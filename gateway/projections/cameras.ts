import type { Config } from '../../config/schema';
import { isEvent } from '../contract/events';
import type { CameraView } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { CameraView } from '../contract/views';

/** The camera register from config, with health from the journal. */
export class CamerasProjection implements Projection<CameraView[]> {
  readonly name = 'cameras';
  private readonly cameras = new Map<string, CameraView>();

  constructor(config: Config) {
    for (const c of config.cameras) {
      this.cameras.set(c.id, {
        id: c.id,
        name: c.name,
        zone: c.zone,
        position: c.position,
        bearingDeg: c.bearingDeg,
        fovDeg: c.fovDeg,
        rangeM: c.rangeM,
        ptz: c.ptz,
        health: 'unknown',
        healthSince: null,
        lastFault: null,
      });
    }
  }

  apply(e: JournalEvent): void {
    if (!isEvent(e, 'camera.online', 'camera.offline', 'cctv.fault') || !e.payload) return;
    const cam = this.cameras.get(e.payload.cameraId);
    if (!cam) return;
    if (e.type === 'cctv.fault') {
      cam.lastFault = e.payload.fault;
    } else {
      cam.health = e.type === 'camera.online' ? 'online' : 'offline';
      cam.healthSince = e.ts;
    }
  }

  snapshot(): CameraView[] {
    return [...this.cameras.values()].map((c) => ({ ...c }));
  }
}
