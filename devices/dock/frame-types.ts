import { FrameType } from './constants';

/** What the gateway's codec and logs need to know about frame type numbers (constants.ts holds only numbers). */
const TYPE_NAMES = new Map<number, string>(Object.entries(FrameType).map(([k, v]) => [v, k]));
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}
export function isKnownType(type: number): type is FrameType {
  return TYPE_NAMES.has(type);
}

/**
 * Link frames keep the link itself alive and are never acknowledged or ordered: acknowledging
 * an ACK would never terminate, and HELLO is what (re)starts the sequence numbers.
 */
const LINK_TYPES = new Set<number>([FrameType.HELLO, FrameType.HELLO_ACK, FrameType.HEARTBEAT, FrameType.ACK, FrameType.NAK]);
export function isSequenced(type: number): boolean {
  return !LINK_TYPES.has(type);
}
