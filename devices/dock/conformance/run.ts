import { createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { FrameType, HEARTBEAT_MS, RETRANSMIT_MS } from '../constants';
import { decodeData, decodeJson, DockEvent, FileOffer, Hello, Nak, Ack, type FileOffer as Offer } from '../messages';
import { jsonField, Probe, Timeout, type Received } from './probe';
import { STATEMENTS, type StatementId } from './statements';

export interface ConformanceOptions {
  /** The dock's serial port (or a PTY). */
  port: string;
  baudRate?: number;
  /** The dock's timers, if it runs them scaled (a simulator); the document's by default. */
  retransmitMs?: number;
  heartbeatMs?: number;
  /** How long to wait for the first HELLO (power the dock on, plug the cable). */
  helloTimeoutMs?: number;
  /** Send ERASE_OK for one recording (saved to `outDir` first) to check D19. Off by default: a dock would erase real footage. */
  allowErase?: boolean;
  outDir?: string;
  log?: (line: string) => void;
}

export type Verdict = 'pass' | 'fail' | 'skip';
export interface StatementResult {
  id: StatementId;
  text: string;
  verdict: Verdict;
  detail: string;
}

const WINDOW = 2;
const isSeqFromDock = (f: Received): boolean =>
  f.type === FrameType.DOCK_EVENT || f.type === FrameType.FILE_OFFER || f.type === FrameType.DATA || f.type === FrameType.FILE_END;

/**
 * Plays the gateway against a dock, one statement of PROTOCOL.md section 10 after another, on a
 * clean line. A step that waits in vain leaves the statements after it unchecked (failed, "not
 * reached"); the run never sends ERASE_OK unless asked to.
 */
export async function runConformance(opts: ConformanceOptions): Promise<StatementResult[]> {
  const R = opts.retransmitMs ?? RETRANSMIT_MS;
  const HB = opts.heartbeatMs ?? HEARTBEAT_MS;
  const log = opts.log ?? (() => undefined);
  const verdicts = new Map<StatementId, { verdict: Verdict; detail: string }>();
  const judge = (id: StatementId, ok: boolean, detail = ''): void => {
    // A statement checked more than once fails if any check fails.
    if (verdicts.get(id)?.verdict !== 'fail') verdicts.set(id, { verdict: ok ? 'pass' : 'fail', detail });
    log(`${ok ? 'pass' : 'FAIL'} ${id}${detail ? `: ${detail}` : ''}`);
  };
  const skip = (id: StatementId, detail: string): void => void verdicts.set(id, { verdict: 'skip', detail });
  const probe = new Probe(opts.port, opts.baudRate ?? 115200, HB);
  await probe.start();
  try {
    await script(probe, { ...opts, R, HB, judge, skip, log });
  } catch (err) {
    if (!(err instanceof Timeout)) throw err;
    log(`stopped: ${err.message}`);
    for (const s of STATEMENTS) if (!verdicts.has(s.id)) verdicts.set(s.id, { verdict: 'fail', detail: `not reached (${err.message})` });
  } finally {
    await probe.stop();
  }
  return STATEMENTS.map((s) => ({ id: s.id, text: s.text, ...(verdicts.get(s.id) ?? { verdict: 'fail' as const, detail: 'not reached' }) }));
}

interface Ctx extends ConformanceOptions {
  R: number;
  HB: number;
  judge: (id: StatementId, ok: boolean, detail?: string) => void;
  skip: (id: StatementId, detail: string) => void;
  log: (line: string) => void;
}

async function script(p: Probe, c: Ctx): Promise<void> {
  const { R, HB, judge } = c;
  const hello = await p.must((f) => f.type === FrameType.HELLO, c.helloTimeoutMs ?? 4 * HB, 'HELLO (is the dock on and the cable in?)');
  const h = decodeJson(Hello, hello.payload);
  judge('D1 hello-payload', h.ok, h.ok ? '' : h.error.replace(/\n/g, ' '));
  // HELLOs written before the port was open may arrive in a burst: time two fresh ones.
  await sleep(2 * R);
  p.drop((f) => f.type === FrameType.HELLO);
  // Three gaps: one late frame (a busy host, a loaded serial driver) must not fail a dock that
  // keeps the interval; one too early, or a typical gap too long, does.
  const hellos: Received[] = [];
  for (let i = 0; i < 4; i++) hellos.push(await p.must((f) => f.type === FrameType.HELLO, 4 * R, 'repeated HELLO'));
  const helloGaps = hellos.slice(1).map((f, i) => f.at - hellos[i]!.at);
  const median = [...helloGaps].sort((x, y) => x - y)[1]!;
  judge('D2 hello-retry', Math.min(...helloGaps) >= 0.5 * R && median <= 2 * R, `${helloGaps.join(', ')} ms between HELLOs`);
  let nonce = Number(jsonField(hellos.at(-1)!.payload, 'nonce'));
  p.linked(nonce, WINDOW);

  // The offer, after the dock's events.
  const docked = new Set<string>();
  const badEvents: string[] = [];
  let first = true;
  let offer: Offer | undefined;
  while (!offer) {
    const f = await p.must((x) => isSeqFromDock(x) || x.type === FrameType.HELLO, 3 * HB, 'FILE_OFFER (dock a camera holding a short recording)');
    if (f.type === FrameType.HELLO) {
      // A HELLO that crossed our HELLO_ACK: the same nonce only gets the HELLO_ACK again.
      if (Number(jsonField(f.payload, 'nonce')) === nonce) p.sendLink(FrameType.HELLO_ACK, { nonce, window: WINDOW });
      continue;
    }
    if (first) judge('D3 seq-from-zero', f.seq === 0, `first seq frame has seq ${f.seq}`);
    first = false;
    if (p.accept(f) !== 'next') continue;
    if (f.type === FrameType.DOCK_EVENT) {
      const e = decodeJson(DockEvent, f.payload);
      if (!e.ok) badEvents.push(e.error.replace(/\n/g, ' '));
      else if (e.value.e === 'docked') docked.add(e.value.cam);
    } else if (f.type === FrameType.FILE_OFFER) {
      const o = decodeJson(FileOffer, f.payload);
      judge('D6 offer-payload', o.ok, o.ok ? '' : o.error.replace(/\n/g, ' '));
      if (!o.ok) throw new Timeout('the offer cannot be read');
      offer = o.value;
    }
  }
  judge('D5 docked-first', docked.has(offer.cam) && badEvents.length === 0, badEvents[0] ?? (docked.has(offer.cam) ? '' : `no docked event for ${offer.cam}`));
  c.log(`offer: ${offer.cam} file ${offer.fileNo} ${offer.name}, ${offer.size} bytes`);
  const { fileNo, size } = offer;

  // D7: a damaged frame gets NAK 1.
  p.sendDamaged(FrameType.FILE_REQ, p.gseq, { fileNo, offset: 0 });
  const nak1 = await p.next((f) => f.type === FrameType.NAK, 3 * R);
  const n1 = nak1 && decodeJson(Nak, nak1.payload);
  judge('D7 nak-damaged', n1?.ok === true && n1.value.reason === 1, n1 ? (n1.ok ? `NAK reason ${n1.value.reason}` : 'unreadable NAK') : 'no NAK');

  // D8: a FILE_REQ one ahead gets NAK 4 {expect} and is not applied.
  const start = size > 2048 ? Math.floor(size / 3) : 0;
  p.sendSeq(FrameType.FILE_REQ, { fileNo, offset: start }, (p.gseq + 1) % 65536);
  const nak4 = await p.next((f) => f.type === FrameType.NAK, 3 * R);
  const n4 = nak4 && decodeJson(Nak, nak4.payload);
  await sleep(R);
  const applied = p.drop((f) => f.type === FrameType.DATA).length;
  judge(
    'D8 nak-gap',
    n4?.ok === true && n4.value.reason === 4 && n4.value.expect === p.gseq && applied === 0,
    n4 ? (n4.ok ? `NAK reason ${n4.value.reason} expect ${n4.value.expect}${applied ? `, then ${applied} DATA` : ''}` : 'unreadable NAK') : 'no NAK',
  );

  // D9, D10: the real FILE_REQ.
  const reqSeq = p.sendSeq(FrameType.FILE_REQ, { fileNo, offset: start });
  const ack = await p.next((f) => f.type === FrameType.ACK, 3 * R);
  const ak = ack && decodeJson(Ack, ack.payload);
  judge('D9 ack-seq', ak?.ok === true && ak.value.seq === reqSeq, ak ? (ak.ok ? `ACK seq ${ak.value.seq}` : 'unreadable ACK') : 'no ACK');
  const d0 = await p.must((f) => f.type === FrameType.DATA, 4 * R, 'DATA after FILE_REQ');
  const data0 = decodeData(d0.payload);
  judge(
    'D10 req-offset',
    data0.ok && data0.value.fileNo === fileNo && data0.value.offset === start,
    data0.ok ? `first DATA at ${data0.value.offset}, asked ${start}` : data0.error,
  );

  // D11, D12: acknowledge nothing for a while: at most `window` frames, then the oldest again.
  const held: Received[] = [d0];
  const until = Date.now() + 2.2 * R;
  for (let f; (f = await p.next((x) => x.type === FrameType.DATA, until - Date.now()));) held.push(f);
  const seqs = new Set(held.map((f) => f.seq));
  judge('D11 window', seqs.size <= WINDOW, `${seqs.size} distinct seq frames unacknowledged, window ${WINDOW}`);
  const again = held.filter((f) => f !== d0 && f.seq === d0.seq);
  const firstAgain = again[0];
  judge(
    'D12 retransmit',
    firstAgain !== undefined && firstAgain.payload.equals(d0.payload) && firstAgain.at - d0.at >= 0.8 * R,
    firstAgain ? `resent after ${firstAgain.at - d0.at} ms` : `not resent within ${Math.round(2.2 * R)} ms`,
  );

  // D13: NAK 1 for the oldest, well inside its timer: it must come again at once. If this side
  // was too slow to send the NAK well before the timer (a loaded machine), the answer would prove
  // nothing: wait for the timer's resend and try again.
  let lastSent = Math.max(...held.filter((f) => f.seq === d0.seq).map((f) => f.at));
  let resent: Received | undefined;
  let detail = 'never had time to NAK well before the retransmit timer';
  for (let attempt = 0; attempt < 3; attempt++) {
    await sleep(Math.max(0, lastSent + Math.max(120, 0.3 * R) - Date.now()));
    p.drop((f) => f.type === FrameType.DATA);
    const nakAt = Date.now();
    const dueIn = lastSent + R - nakAt;
    if (dueIn < 0.4 * R) {
      const timerResend = await p.next((f) => f.type === FrameType.DATA && f.seq === d0.seq, 2 * R);
      if (!timerResend) break;
      lastSent = timerResend.at;
      continue;
    }
    p.sendLink(FrameType.NAK, { seq: d0.seq, reason: 1 });
    resent = await p.next((f) => f.type === FrameType.DATA && f.seq === d0.seq, 2 * R);
    const ok = resent !== undefined && resent.at - nakAt <= Math.min(0.5 * R, dueIn - 10);
    detail = resent ? `resent ${resent.at - nakAt} ms after the NAK (timer due in ${dueIn} ms)` : 'not resent';
    judge('D13 nak-goback', ok, detail);
    break;
  }
  if (!resent) judge('D13 nak-goback', false, detail);
  else p.putBack(resent);

  // D14: take the file from `start`, acknowledging properly.
  const got = Buffer.alloc(size);
  const problems: string[] = [];
  await receive(p, c, offer, start, got, problems);
  judge('D14 data-chunks', problems.length === 0, problems[0] ?? '');

  // D15: ask again from 0 after FILE_END (the bytes before `start`).
  p.sendSeq(FrameType.FILE_REQ, { fileNo, offset: 0 });
  const again15: string[] = [];
  await receive(p, c, offer, 0, got, again15);
  judge('D15 req-missing', again15.length === 0, again15[0] ?? '');

  const sha256 = createHash('sha256').update(got).digest('hex');
  const hashOk = sha256 === offer.sha256;
  judge('D16 offer-hash', hashOk, hashOk ? '' : `offered ${offer.sha256.slice(0, 16)}…, bytes hash to ${sha256.slice(0, 16)}…`);
  p.sendSeq(FrameType.FILE_DONE, hashOk ? { fileNo, ok: true, sha256 } : { fileNo, ok: false, sha256, reason: 'conformance kit: hash mismatch' });
  await p.next((f) => f.type === FrameType.ACK, 3 * R);

  // D17, D18: no ERASE_OK; tell the dock the link is gone; it must come back and offer the same recording.
  nonce = await relink(p, c, nonce);
  if (!hashOk) {
    c.skip('D18 keep-until-erase', 'needs a recording whose hash matches (D16)');
    c.skip('D19 erase-after-ok', 'needs a recording whose hash matches (D16)');
  } else {
    const same = await findOffer(p, c, (o) => o.cam === offer.cam && o.fileNo === fileNo && o.sha256 === offer.sha256, 3 * HB);
    judge('D18 keep-until-erase', same !== undefined, same ? '' : 'the recording was not offered again after FILE_DONE without ERASE_OK');
    if (!same) c.skip('D19 erase-after-ok', 'needs D18');
    else if (!c.allowErase) c.skip('D19 erase-after-ok', 'run with --allow-erase (the dock will erase one recording; the kit saves it first)');
    else {
      const saved = await save(c, offer, got);
      p.sendSeq(FrameType.FILE_REQ, { fileNo, offset: size });
      await p.must((f) => f.type === FrameType.FILE_END && p.accept(f) === 'next', 4 * R, 'FILE_END for a request from size');
      p.sendSeq(FrameType.FILE_DONE, { fileNo, ok: true, sha256 });
      const eraseSeq = p.sendSeq(FrameType.ERASE_OK, { fileNo });
      await p.must((f) => f.type === FrameType.ACK && Number(jsonField(f.payload, 'seq')) === eraseSeq, 3 * R, 'ACK for ERASE_OK');
      c.log(`ERASE_OK sent; the recording was saved to ${saved}`);
      nonce = await relink(p, c, nonce);
      const back = await findOffer(p, c, (o) => o.cam === offer.cam && o.fileNo === fileNo, Math.max(4 * R, 1.5 * HB));
      judge('D19 erase-after-ok', back === undefined, back ? 'offered again after ERASE_OK' : '');
    }
  }

  // D20: heartbeats while linked (answering whatever the dock sends meanwhile).
  const since = Date.now();
  await idle(p, c, 2.3 * HB);
  const beats = p.heartbeats.filter((x) => x.at >= since);
  const gaps = beats.slice(1).map((x, i) => x.at - (beats[i]?.at ?? 0));
  judge(
    'D20 heartbeat',
    beats.length >= 2 && beats.every((x) => x.linked === true) && gaps.every((g) => g <= 1.5 * HB),
    `${beats.length} heartbeats in ${Math.round(2.3 * HB)} ms${beats.some((x) => x.linked !== true) ? ', some not {linked:true}' : ''}`,
  );
  judge('D4 frames-valid', p.badPackets.length === 0, p.badPackets[0] ? `${p.badPackets.length} bad packets, first: ${p.badPackets[0].error}` : '');
}

/** DATA from `from` to `size`, then FILE_END; every rule of D14 that breaks is a problem. */
async function receive(p: Probe, c: Ctx, offer: Offer, from: number, into: Buffer, problems: string[]): Promise<void> {
  let cursor = from;
  let firstData = true;
  for (;;) {
    const f = await p.must(
      (x) => x.type === FrameType.DATA || x.type === FrameType.FILE_END || x.type === FrameType.FILE_OFFER,
      4 * c.R + c.HB,
      `DATA or FILE_END at ${cursor}/${offer.size}`,
    );
    if (f.type === FrameType.FILE_OFFER) {
      if (p.accept(f) === 'next') c.judge('D6 offer-payload', false, `a second FILE_OFFER during the transfer of file ${offer.fileNo}`);
      continue;
    }
    if (f.type === FrameType.FILE_END) {
      if (p.accept(f) !== 'next') continue;
      if (cursor !== offer.size) problems.push(`FILE_END at ${cursor} of ${offer.size}`);
      return;
    }
    const d = decodeData(f.payload);
    if (!d.ok) {
      p.accept(f);
      problems.push(d.error);
      continue;
    }
    // A frame that is not the next seq is a repeat or a gap: the ACK/NAK is all it gets.
    if (f.seq !== p.expect) {
      p.accept(f);
      continue;
    }
    const { fileNo, offset, bytes } = d.value;
    if (firstData && offset !== from) problems.push(`asked from ${from}, DATA started at ${offset}`);
    firstData = false;
    if (fileNo !== offer.fileNo) problems.push(`DATA for file ${fileNo} during file ${offer.fileNo}`);
    else if (offset !== cursor) problems.push(`DATA at ${offset}, expected ${cursor}`);
    else if (bytes.length > offer.chunk) problems.push(`DATA of ${bytes.length} bytes, chunk ${offer.chunk}`);
    else if (offset + bytes.length > offer.size) problems.push(`DATA beyond size ${offer.size}`);
    else {
      bytes.copy(into, offset);
      cursor += bytes.length;
    }
    p.accept(f, { fileNo, offset: cursor });
  }
}

async function relink(p: Probe, c: Ctx, old: number): Promise<number> {
  await sleep(c.R);
  p.drop((f) => f.type === FrameType.HELLO);
  p.unlink();
  const hello = await p.next((f) => f.type === FrameType.HELLO, 4 * c.R);
  const nonce = hello ? Number(jsonField(hello.payload, 'nonce')) : NaN;
  c.judge('D17 relink', hello !== undefined && nonce !== old, hello ? (nonce === old ? 'HELLO repeats the old nonce' : '') : 'no HELLO');
  if (!hello) throw new Timeout('no HELLO after HEARTBEAT {linked:false}');
  p.linked(nonce, WINDOW);
  return nonce;
}

/** Offers on this link until one matches (left unanswered for the caller); others are declined with FILE_DONE ok:false. */
async function findOffer(p: Probe, c: Ctx, match: (o: Offer) => boolean, ms: number): Promise<Offer | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const f = await p.next((x) => isSeqFromDock(x), until - Date.now());
    if (!f) return undefined;
    if (p.accept(f) !== 'next' || f.type !== FrameType.FILE_OFFER) continue;
    const o = decodeJson(FileOffer, f.payload);
    if (!o.ok) continue;
    if (match(o.value)) return o.value;
    c.log(`declining ${o.value.cam} file ${o.value.fileNo} for now`);
    p.sendSeq(FrameType.FILE_DONE, { fileNo: o.value.fileNo, ok: false, sha256: '', reason: 'conformance kit: not this one' });
  }
}

async function idle(p: Probe, c: Ctx, ms: number): Promise<void> {
  await findOffer(p, c, () => false, ms);
}

async function save(c: Ctx, offer: Offer, bytes: Buffer): Promise<string> {
  const dir = c.outDir ?? 'dock-conformance';
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${offer.cam}_${offer.fileNo}_${offer.name}`);
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return path;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
