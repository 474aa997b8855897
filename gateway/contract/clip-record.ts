import type { EventPayload } from './events';
import type { EvidenceRecord } from './views';

/**
 * The exhibit a recorded CCTV clip is, from its `evidence.clip-recorded` event: applied alike by
 * the gateway's evidence projection and the console's store, so both show the same record.
 * A clip has no dock, bay or wearer; its bytes are hashed by the gateway as they are stored, so
 * the "device" hash is the received one.
 */
export function clipRecord(p: EventPayload<'evidence.clip-recorded'>, ts: number, actor: string | null, retainUntil: number): EvidenceRecord {
  return {
    id: p.evidenceId,
    cam: p.cameraId,
    fileNo: 0,
    wearer: null,
    unassigned: false,
    dockId: 'cctv',
    bay: 0,
    name: p.name,
    recStart: p.recStart,
    recEnd: p.recEnd,
    size: p.size,
    deviceSha256: p.sha256,
    receivedSha256: p.sha256,
    gps: null,
    category: 'non-evidential',
    incidents: [],
    hold: false,
    retainUntil,
    verifiedAt: ts,
    deleted: null,
    origin: 'cctv',
    recordedBy: actor ?? 'unknown',
  };
}
