import type { EventPayload } from './events';
import { rolesWith } from './policy';
import type { ConsoleRole } from './roles';
import type { CameraView } from './views';

/**
 * Live CCTV, as the console sees it. Video: a WebSocket at `/video/<cameraId>` on the
 * gateway's own HTTP port (same session cookie as the API), which sends the 8-byte `jsmp`
 * header (magic, u16be width, u16be height), then MPEG-TS with MPEG-1 video, cut at 188-byte
 * packets; a JSMpeg player takes it as is. Refusals are plain HTTP answers to the upgrade:
 * 401 (not logged in), 403 (role may not watch), 404 (no such camera).
 */
export const VIDEO_PATH_PREFIX = '/video/';

/** Console roles that may watch live video (every view is journaled with its viewer). */
export const VIDEO_VIEW_ROLES: readonly ConsoleRole[] = rolesWith('video.watch');

/**
 * What `GET /api/cameras` returns per camera: the register and its health, with its live
 * stream (the rtspUrl stays on the gateway: it may hold credentials).
 */
export interface CameraInfo extends CameraView {
  stream: { state: 'idle' | 'starting' | 'streaming' | 'backoff'; viewers: number; width: number | null; height: number | null; restarts: number };
  /** Where to open the video WebSocket. */
  videoPath: string;
}

/**
 * The payload of `cctv.sighting` events, whichever way they came (MQTT, REST, Frigate): where
 * in the picture is a zone the camera sees or the point the operator picked ([longitude,
 * latitude], inside the camera's view); `frigate` only on sightings from Frigate's detection.
 */
export type CctvSightingPayload = EventPayload<'cctv.sighting'>;
