import type { FileOffer } from './messages';

/**
 * Identifies one offered file. The offered hash is part of the identity so that a camera that
 * re-uses a file number for different footage can never resume onto someone else's bytes.
 */
export interface OfferKey {
  dockId: string;
  cam: string;
  fileNo: number;
  sha256: string;
}

/** Thrown by `admit` when the gateway cannot take an offer now: the dock gets NAK 6 (no space). */
export class OfferRefused extends Error {
  constructor(
    message: string,
    readonly detail: { freeBytes: number; neededBytes: number; minFreeBytes: number },
  ) {
    super(message);
    this.name = 'OfferRefused';
  }
}

export interface VerifiedInfo {
  sha256: string;
  size: number;
  offer: FileOffer;
  /** ISO time the hash was verified at the gateway. */
  verifiedAt: string;
}

/**
 * Where a dock session puts the bytes. Every method may be slow (disk, journal); the session
 * awaits each one before it tells the dock anything that depends on it.
 */
export interface OffloadSink {
  /** Throws OfferRefused when `bytes` more cannot be taken now (disk nearly full). */
  admit?(key: OfferKey, bytes: number): Promise<void>;
  /** Bytes of this file already durable: the transfer resumes from here. */
  durableOffset(key: OfferKey): Promise<number>;
  /** Resolves only once the bytes are on stable storage. */
  write(key: OfferKey, offset: number, bytes: Buffer): Promise<void>;
  /** Hashes what is durable and files it away; returns what was actually received. */
  finish(key: OfferKey): Promise<{ sha256: string; size: number }>;
  /** Records custody (journal); ERASE_OK is sent only after this resolves. */
  commitVerified(key: OfferKey, info: VerifiedInfo): Promise<void>;
  quarantine(key: OfferKey, reason: string): Promise<void>;
}
