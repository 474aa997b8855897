import type { Logger } from 'pino';
import { DATA_HEADER_LEN, FrameType, MAX_CHUNK, NakCode } from './constants';
import type { DockSessionEvent } from './events';
import { capHex } from './events';
import type { Frame } from './frame';
import type { Answer } from './arq';
import { DockEvent, FileEnd, FileOffer, decodeData, decodeJson } from './messages';
import { OfferRefused, type OfferKey, type OffloadSink } from './sink';

interface Transfer {
  key: OfferKey;
  offer: FileOffer;
  /** Durable bytes at the gateway: everything before this is on disk. */
  offset: number;
  state: 'receiving' | 'verifying';
  lastProgress: number;
  /** A progress report held back by the rate limit, due when the limit allows (the trailing edge). */
  progressTimer?: NodeJS.Timeout | undefined;
  /** Offset of the last FILE_REQ sent because of a gap, so a gap asks only once. */
  gapAsked?: number;
}

export interface OffloadDeps {
  dockId: string;
  sink: OffloadSink;
  emit(ev: DockSessionEvent): void;
  /** Enqueue a sequenced frame to the dock. */
  send(type: number, payload: unknown): void;
  /** Changes whenever the link resets; answers computed in an older epoch are not sent. */
  epoch(): number;
  /** The `bays` of the dock's HELLO on this link: a bay above it is refused (NAK 9). */
  bays(): number;
  /** The longest DATA the link's version allows (MAX_CHUNK on version 1, V2_MAX_CHUNK on version 2). */
  maxChunk?(): number;
  progressMs: number;
  logger?: Logger | undefined;
}

/**
 * The file-transfer half of a dock session: what to do with each in-order frame from the dock,
 * and the answer (ACK) to send once it is done. Anything the ACK promises is durable first.
 */
export class OffloadHandler {
  private transfers = new Map<number, Transfer>();
  private tasks = new Set<Promise<void>>();
  /**
   * Recordings quarantined (hash or size mismatch) during the camera's current docking, by
   * camera: `fileNo/sha256`. PROTOCOL.md: such a file is offered again only at the next docking,
   * so a dock re-offering it at once gets the verdict again, without another transfer.
   */
  private refused = new Map<string, Set<string>>();

  constructor(private readonly deps: OffloadDeps) {}

  /** The link is gone: what is durable of each transfer is reported now, then forgotten. */
  reset(): void {
    for (const t of this.transfers.values()) if (t.progressTimer) this.reportProgress(t);
    this.transfers.clear();
  }

  /** Waits for background verifications, so a store is idle before it is closed. */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
  }

  /**
   * The answer to each frame, in order: an ACK once what it asks is done, or a refusal (NAK 7 and
   * up) when what it says cannot be taken; PROTOCOL.md section 3, "Refusals".
   */
  async handle(batch: Frame[]): Promise<Answer[]> {
    const first = batch[0];
    if (!first) return [];
    if (first.type === FrameType.DATA) return this.onData(batch);
    let refuse: number | undefined;
    if (first.type === FrameType.DOCK_EVENT) refuse = this.onDockEvent(first);
    else if (first.type === FrameType.FILE_OFFER) refuse = await this.onOffer(first);
    else if (first.type === FrameType.FILE_END) refuse = this.onEnd(first);
    return [refuse === undefined ? { seq: first.seq } : { seq: first.seq, refuse }];
  }

  /** Journaled (as noise: the first of each fault at once) and answered with NAK `code`. */
  private malformed(reason: string, raw: Buffer, code: number = NakCode.payload): number {
    this.deps.emit({ type: 'dock.malformed', dockId: this.deps.dockId, reason, rawHex: capHex(raw) });
    return code;
  }

  /** NAK 9 for a bay the dock did not announce; 0 (the dock cannot tell) and 1..bays are bays. */
  private badBay(what: string, bay: number, raw: Buffer): number | undefined {
    const bays = this.deps.bays();
    if (bay <= bays) return undefined;
    return this.malformed(`${what}: bay ${bay} is above the ${bays} bays of the dock's HELLO`, raw, NakCode.bay);
  }

  /** A camera leaving or coming back ends its transfer here; what is durable stays for resume. */
  private endTransfersOf(cam: string): void {
    for (const [fileNo, t] of this.transfers) {
      if (t.offer.cam !== cam || t.state !== 'receiving') continue;
      if (t.progressTimer) this.reportProgress(t);
      this.transfers.delete(fileNo);
    }
  }

  private onDockEvent(f: Frame): number | undefined {
    const m = decodeJson(DockEvent, f.payload);
    if (!m.ok) return this.malformed(`DOCK_EVENT: ${m.error}`, f.payload);
    const { e, bay, cam, batt, files, detail } = m.value;
    const bad = this.badBay('DOCK_EVENT', bay, f.payload);
    if (bad) return bad;
    if (e === 'docked' || e === 'undocked') {
      this.refused.delete(cam);
      this.endTransfersOf(cam);
    }
    this.deps.emit({ type: 'dock.event', dockId: this.deps.dockId, e, bay, cam, batt: batt ?? null, files: files ?? null, ...(detail ? { detail } : {}) });
    return undefined;
  }

  private async onOffer(f: Frame): Promise<number | undefined> {
    const m = decodeJson(FileOffer, f.payload);
    if (!m.ok) return this.malformed(`FILE_OFFER: ${m.error}`, f.payload);
    const offer = m.value;
    const maxChunk = this.deps.maxChunk?.() ?? MAX_CHUNK;
    // The schema allows version 2's chunk; a version 1 link still allows only its own.
    if (offer.chunk > maxChunk) return this.malformed(`FILE_OFFER: chunk ${offer.chunk} is above this link's ${maxChunk}`, f.payload);
    const bad = this.badBay('FILE_OFFER', offer.bay, f.payload);
    if (bad) return bad;
    // One recording at a time: another recording's offer before this one's FILE_DONE is refused,
    // not served alongside (the dock offers it again after the FILE_DONE). An offer of the same
    // recording again (a dock that lost our FILE_REQ) is served: it only restarts from what is durable.
    for (const t of this.transfers.values()) {
      if (t.offer.fileNo === offer.fileNo && t.offer.cam === offer.cam) continue;
      return this.malformed(
        `FILE_OFFER: ${offer.cam} file ${offer.fileNo} offered while ${t.offer.cam} file ${t.offer.fileNo} is in transfer (${t.state}); offer it again after its FILE_DONE`,
        f.payload,
        NakCode.oneAtATime,
      );
    }
    const key: OfferKey = { dockId: this.deps.dockId, cam: offer.cam, fileNo: offer.fileNo, sha256: offer.sha256 };
    if (this.refused.get(offer.cam)?.has(`${offer.fileNo}/${offer.sha256}`)) {
      const reason = 'quarantined earlier in this docking; offer it again at the next docking';
      this.deps.send(FrameType.FILE_DONE, { fileNo: offer.fileNo, ok: false, sha256: '', reason });
      return undefined;
    }
    // A re-offer while the first copy is still being verified waits here on the store's per-file
    // lock, then finds the file stored whole and asks for nothing but FILE_END.
    let offset = await this.deps.sink.durableOffset(key);
    if (offset > offer.size) {
      this.deps.logger?.warn({ key, offset, size: offer.size }, 'durable bytes exceed the offered size; starting again');
      offset = 0;
    }
    const { cam, bay, fileNo, name, size, sha256 } = offer;
    try {
      await this.deps.sink.admit?.(key, size - offset);
    } catch (err) {
      // Refused before anything is promised: the session NAKs the offer, the camera keeps its copy.
      if (err instanceof OfferRefused)
        this.deps.emit({ type: 'dock.refused', dockId: this.deps.dockId, cam, fileNo, name, size, reason: err.message, ...err.detail });
      throw err;
    }
    clearTimeout(this.transfers.get(offer.fileNo)?.progressTimer);
    this.transfers.set(offer.fileNo, { key, offer, offset, state: 'receiving', lastProgress: 0 });
    this.deps.emit({ type: 'dock.offer', dockId: this.deps.dockId, cam, bay, fileNo, name, size, sha256, resumeFrom: offset });
    this.deps.send(FrameType.FILE_REQ, { fileNo, offset });
    return undefined;
  }

  /**
   * Consecutive chunks of one file that queued up while the previous write was syncing are
   * written and synced together: one fdatasync per batch instead of one per kilobyte.
   */
  private async onData(frames: Frame[]): Promise<Answer[]> {
    const acks: Answer[] = [];
    let run: { t: Transfer; start: number; parts: Buffer[]; end: number } | undefined;
    const flush = async (): Promise<void> => {
      if (!run) return;
      const { t, start, parts, end } = run;
      run = undefined;
      await this.deps.sink.write(t.key, start, parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
      t.offset = end;
      this.progress(t);
    };
    const maxChunk = this.deps.maxChunk?.() ?? MAX_CHUNK;
    for (const f of frames) {
      const d = decodeData(f.payload, maxChunk);
      const t = d.ok ? this.transfers.get(d.value.fileNo) : undefined;
      if (!d.ok || !t || t.state !== 'receiving' || d.value.bytes.length > t.offer.chunk) {
        // Nothing of it is stored; the frame is consumed with a NAK saying why.
        const refuse = !d.ok
          ? this.malformed(`DATA: ${d.error}`, f.payload, f.payload.length > DATA_HEADER_LEN + maxChunk ? NakCode.chunk : NakCode.payload)
          : !t || t.state !== 'receiving'
            ? this.malformed(`DATA: file ${d.value.fileNo} is not being received`, f.payload, NakCode.noTransfer)
            : this.malformed(`DATA: ${d.value.bytes.length} bytes, longer than the offer's chunk of ${t.offer.chunk}`, f.payload, NakCode.chunk);
        acks.push({ seq: f.seq, refuse });
        continue;
      }
      if (run && run.t !== t) await flush();
      const pos = run ? run.end : t.offset;
      const { offset, bytes } = d.value;
      if (offset > pos || offset + bytes.length > t.offer.size) {
        // Cannot happen with in-order delivery from a correct dock; re-anchor it on what is durable.
        await flush();
        if (t.gapAsked !== t.offset) this.deps.send(FrameType.FILE_REQ, { fileNo: t.offer.fileNo, offset: t.offset });
        t.gapAsked = t.offset;
        acks.push({ seq: f.seq, fileNo: t.offer.fileNo, offset: t.offset });
        continue;
      }
      if (offset + bytes.length > pos) {
        const fresh = bytes.subarray(pos - offset);
        run ??= { t, start: pos, parts: [], end: pos };
        run.parts.push(fresh);
        run.end += fresh.length;
      }
      acks.push({ seq: f.seq, fileNo: t.offer.fileNo, offset: run ? run.end : pos });
    }
    await flush();
    return acks;
  }

  /**
   * Rate-limited, but never stale: a write inside the limit schedules a report for when the limit
   * ends, so the last durable offset is always reported (a stalled or undocked transfer once showed
   * the offset of a quarter of a second before it stopped, for ever).
   */
  private progress(t: Transfer): void {
    const wait = t.lastProgress + this.deps.progressMs - Date.now();
    if (t.offset >= t.offer.size || wait <= 0) return this.reportProgress(t);
    t.progressTimer ??= setTimeout(() => this.reportProgress(t), wait);
  }

  private reportProgress(t: Transfer): void {
    clearTimeout(t.progressTimer);
    t.progressTimer = undefined;
    t.lastProgress = Date.now();
    const { cam, bay, fileNo, size } = t.offer;
    this.deps.emit({ type: 'dock.progress', dockId: this.deps.dockId, cam, bay, fileNo, offset: t.offset, size });
  }

  private onEnd(f: Frame): number | undefined {
    const m = decodeJson(FileEnd, f.payload);
    if (!m.ok) return this.malformed(`FILE_END: ${m.error}`, f.payload);
    const { fileNo } = m.value;
    const t = this.transfers.get(fileNo);
    if (!t) {
      this.deps.send(FrameType.FILE_DONE, { fileNo, ok: false, sha256: '', reason: 'no offer for this file on this link' });
      return undefined;
    }
    if (t.state === 'verifying') return undefined;
    if (t.offset < t.offer.size) {
      this.deps.send(FrameType.FILE_REQ, { fileNo, offset: t.offset });
      return undefined;
    }
    // Hashing a big file takes longer than the dock's retransmit budget, so FILE_END is
    // acknowledged now and the verdict follows as FILE_DONE.
    t.state = 'verifying';
    const task = this.verify(t, this.deps.epoch()).catch((err: unknown) => this.deps.logger?.error({ err, key: t.key }, 'verification failed'));
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
    return undefined;
  }

  private async verify(t: Transfer, epoch: number): Promise<void> {
    const { key, offer } = t;
    const { dockId } = this.deps;
    const reply = (type: number, payload: unknown): void => {
      if (this.deps.epoch() === epoch) this.deps.send(type, payload);
    };
    try {
      let got: { sha256: string; size: number };
      try {
        got = await this.deps.sink.finish(key);
      } catch (err) {
        this.deps.logger?.error({ err, key }, 'could not finish the received file');
        return reply(FrameType.FILE_DONE, { fileNo: offer.fileNo, ok: false, sha256: '', reason: 'gateway could not store the file' });
      }
      if (got.sha256 !== offer.sha256 || got.size !== offer.size) {
        const reason =
          got.size !== offer.size
            ? `received ${got.size} bytes, offered ${offer.size}`
            : `received sha256 ${got.sha256} does not match the offered ${offer.sha256}`;
        await this.deps.sink.quarantine(key, reason);
        const set = this.refused.get(offer.cam) ?? new Set<string>();
        this.refused.set(offer.cam, set.add(`${offer.fileNo}/${offer.sha256}`));
        this.deps.emit({
          type: 'dock.mismatch',
          dockId,
          cam: offer.cam,
          fileNo: offer.fileNo,
          name: offer.name,
          offered: offer.sha256,
          received: got.sha256,
          size: got.size,
          reason,
        });
        return reply(FrameType.FILE_DONE, { fileNo: offer.fileNo, ok: false, sha256: got.sha256, reason });
      }
      try {
        await this.deps.sink.commitVerified(key, { sha256: got.sha256, size: got.size, offer, verifiedAt: new Date().toISOString() });
      } catch (err) {
        // Verified but not in the journal: the camera must keep its copy.
        this.deps.logger?.error({ err, key }, 'custody commit failed; not erasing');
        return reply(FrameType.FILE_DONE, { fileNo: offer.fileNo, ok: false, sha256: got.sha256, reason: 'custody not recorded' });
      }
      this.deps.emit({ type: 'dock.verified', dockId, cam: offer.cam, fileNo: offer.fileNo, name: offer.name, sha256: got.sha256, size: got.size });
      reply(FrameType.FILE_DONE, { fileNo: offer.fileNo, ok: true, sha256: got.sha256 });
      reply(FrameType.ERASE_OK, { fileNo: offer.fileNo });
    } finally {
      if (this.transfers.get(offer.fileNo) === t) this.transfers.delete(offer.fileNo);
    }
  }
}
