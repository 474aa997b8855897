import type { DockEvent } from './messages';

/**
 * What a dock session tells the rest of the gateway. Flat, JSON-safe objects so the gateway can
 * journal or publish them as they are.
 */
export type DockSessionEvent =
  | {
      type: 'dock.link';
      dockId: string;
      state: 'up' | 'down';
      reason: string;
      fw?: string;
      bays?: number;
      /** On `up`: the protocol version negotiated in HELLO and the window granted. */
      version?: number;
      window?: number;
    }
  | {
      type: 'dock.event';
      dockId: string;
      e: DockEvent['e'];
      bay: number;
      cam: string;
      batt: number | null;
      files: number | null;
      detail?: string;
    }
  | { type: 'dock.offer'; dockId: string; cam: string; bay: number; fileNo: number; name: string; size: number; sha256: string; resumeFrom: number }
  | {
      type: 'dock.refused';
      dockId: string;
      cam: string;
      fileNo: number;
      name: string;
      size: number;
      reason: string;
      freeBytes: number;
      neededBytes: number;
      minFreeBytes: number;
    }
  /** The durable offset: at most every `progressMs` during a transfer, and always the last one. */
  | { type: 'dock.progress'; dockId: string; cam: string; bay: number; fileNo: number; offset: number; size: number }
  | { type: 'dock.verified'; dockId: string; cam: string; fileNo: number; name: string; sha256: string; size: number }
  | {
      type: 'dock.mismatch';
      dockId: string;
      cam: string;
      fileNo: number;
      name: string;
      offered: string;
      received: string;
      size: number;
      reason: string;
    }
  /** `repeat`: the same defect as the previous malformed HELLO (a dock retrying it); counted, not journaled again. */
  | { type: 'dock.malformed'; dockId: string; reason: string; rawHex: string; repeat?: boolean };

/** Enough of a bad frame to recognise it in a log, not enough to flood it. */
export const RAW_HEX_CAP = 64;

export function capHex(raw: Buffer): string {
  const hex = raw.subarray(0, RAW_HEX_CAP).toString('hex');
  return raw.length > RAW_HEX_CAP ? `${hex}…(${raw.length} bytes)` : hex;
}
