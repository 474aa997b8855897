import { createHash } from 'node:crypto';

/**
 * An exhibit is one recording of one camera: (camera serial, file number, offered SHA-256).
 * Two cameras can hand over byte-identical files (a copied clip, a blank recording); the store
 * keeps those bytes once, but each recording is its own exhibit with its own custody chain,
 * camera and wearer. The id is derived from the key, so it is the same on every offer of that
 * recording and after a replay, and it is never mistaken for a content hash (`ev-` prefix).
 */
export function exhibitId(key: { cam: string; fileNo: number; sha256: string }): string {
  return `ev-${createHash('sha256').update(`${key.cam}\n${key.fileNo}\n${key.sha256}`).digest('hex').slice(0, 32)}`;
}
