// A TETRA control station on the far end of a PTY pair: answers the PEI start-up
// commands, emits URCs for a group of units, takes CMGS submissions and reports their
// delivery, and can misbehave on demand (garbled and fragmented lines, wrong bit counts,
// a modem that stops answering, the port vanishing), and sends long LIP reports on request.
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { openPtyPair, pointLink, removeLink, type PtyPair } from '../serial/pty';
import {
  bitsToHex,
  decodeSubmission,
  lipLongBits,
  lipShortBits,
  sdsShortReportBits,
  sdsTlConcatPartBits,
  sdsTlReportBits,
  sdsTlTextBits,
  simpleTextBits,
  statusBits,
  type SimDecodedPdu,
} from './sim-encode';

export interface SimUnit {
  issi: number;
  lat: number;
  lon: number;
}

/**
 * How the terminal behaves. 'generic' answers everything. 'motorola' and 'sepura' follow what
 * field notes and EN 300 392-5 say of those terminals: echo on after power-up, URCs written
 * between a command's echo and its OK, +CME ERROR to commands they do not support, SDS only
 * once AT+CTSDS has chosen the service, and short-form delivery reports where allowed. Which
 * command each refuses is an illustration, not a firmware fact: check the radio's PEI manual.
 */
export type PeiProfile = 'generic' | 'motorola' | 'sepura';

export const PROFILE_REFUSES: Record<PeiProfile, readonly string[]> = {
  generic: [],
  motorola: ['AT+CTOM?'],
  sepura: ['AT+CTSP=1,3,2'],
};

export interface PeiSimulatorOptions {
  /** Stable path the gateway opens: a symlink the simulator points at its PTY. */
  path: string;
  units: SimUnit[];
  talkgroup: number;
  ownIssi?: number;
  profile?: PeiProfile;
  log?: (line: string) => void;
}

export type PeiFault = 'garble' | 'partial' | 'wrong-bits' | 'long-lip' | 'no-answer' | 'echo-stuck';

export type CmgsReply = 'delivered' | 'failed' | 'none' | 'short' | 'consumed';

/** What happens to one destination's SDS: refused at once, failed later, or reported. */
export type CmgsOutcome = { cme: number } | { cmgsStatus: number } | { reply: CmgsReply };

export interface CmgsReceived {
  to: number;
  bits: number;
  pdu: string;
  decoded: SimDecodedPdu;
}

export interface PositionReport {
  lat: number;
  lon: number;
  speedKmh?: number | null;
  headingDeg?: number;
  /** LIP reason for sending; 2 is the emergency button. Default 129 (periodic). */
  reason?: number;
  /** LIP time elapsed code: 0 <5 s (default), 1 <5 min, 2 <30 min, 3 unknown. */
  timeElapsed?: number;
  /** With the long-lip flag: the fix's UTC time, sent as a time of position. */
  timeOfPosition?: Date;
}

const AI_SDS_TYPE4 = 12;
const AI_STATUS = 13;
const STATUS_DELIVERED = 0x00;
const STATUS_CONSUMED = 0x02;
const STATUS_FAILED = 0x4a;
/** Delay between the halves of a fragmented line: long enough to be two reads. */
const PARTIAL_GAP_MS = 30;

export class PeiSimulator extends EventEmitter<{ cmgs: [CmgsReceived]; command: [string] }> {
  /** Every command line the simulator received, in order. */
  readonly received: string[] = [];
  readonly submissions: CmgsReceived[] = [];
  /** How to answer CMGS: with a delivered, consumed or failed SDS-REPORT, a short report, or none. */
  cmgsReply: CmgsReply = 'delivered';
  /** Per destination ISSI, overriding cmgsReply. */
  readonly outcomes = new Map<number, CmgsOutcome>();
  /** Commands answered with +CME ERROR: 35 (profile defaults, and whatever a test adds). */
  readonly refuse: Set<string>;
  /** Answer AT+CMGS only after AT+CTSDS=12,... (real terminals keep the last SDS service chosen). */
  requireCtsds: boolean;
  readonly units: Map<number, SimUnit>;
  private readonly ownIssi: number;
  private readonly faults = new Set<PeiFault>();
  private readonly calls = new Map<number, number>();
  private pair: PtyPair | null = null;
  private port: SerialPort | null = null;
  private inbuf = '';
  private echo = true;
  private cmgsPending: { to: number; bits: number } | null = null;
  private nextCc = 1;
  private nextMsgRef = 1;
  private sdsInstance = 0;
  private sdsService: number | null = null;
  /** URCs to write between the next command's echo and its final result. */
  private interleaved: string[] = [];

  constructor(private readonly options: PeiSimulatorOptions) {
    super();
    this.units = new Map(options.units.map((u) => [u.issi, { ...u }]));
    this.ownIssi = options.ownIssi ?? 1000001;
    const profile = options.profile ?? 'generic';
    this.refuse = new Set(PROFILE_REFUSES[profile]);
    this.requireCtsds = profile !== 'generic';
  }

  /** The next command's answer carries these lines between its echo and its OK. */
  interleaveNext(lines: string[]): void {
    this.interleaved.push(...lines);
  }

  /** An SDS-REPORT from a terminal, optionally asking the gateway for an SDS-ACK. */
  async sendReport(issi: number, msgRef: number, deliveryStatus: number, ackRequired = false): Promise<void> {
    await this.sds(AI_SDS_TYPE4, issi, this.ownIssi, sdsTlReportBits(msgRef, deliveryStatus, ackRequired));
  }

  /** A raw SDS type 4 from `issi`: bits as a '0'/'1' string. */
  async sendSdsBits(issi: number, bits: string): Promise<void> {
    await this.sds(AI_SDS_TYPE4, issi, this.ownIssi, bits);
  }

  async start(): Promise<void> {
    await this.plugIn();
  }

  async stop(): Promise<void> {
    await this.unplug();
  }

  /** The radio is unplugged: the gateway's port closes and its path disappears. */
  async vanish(): Promise<void> {
    await this.unplug();
  }

  /** Plugged back in: a fresh PTY pair behind the same path. */
  async restore(): Promise<void> {
    await this.plugIn();
  }

  setFault(name: PeiFault, on: boolean): void {
    if (on) this.faults.add(name);
    else this.faults.delete(name);
    // A terminal reset behind the gateway's back: echo is back on, and ATE0 no longer clears it.
    if (name === 'echo-stuck' && on) this.echo = true;
  }

  async sendPosition(issi: number, report: PositionReport): Promise<void> {
    const unit = this.units.get(issi);
    if (unit) Object.assign(unit, { lat: report.lat, lon: report.lon });
    const bits = this.faults.has('long-lip') ? lipLongBits({ ...report, timeOfPosition: report.timeOfPosition ?? new Date() }) : lipShortBits(report);
    await this.sds(AI_SDS_TYPE4, issi, this.ownIssi, bits);
  }

  async sendStatus(issi: number, value: number): Promise<void> {
    await this.sds(AI_STATUS, issi, this.ownIssi, statusBits(value));
  }

  async sendText(issi: number, text: string, opts: { simple?: boolean; requestReport?: boolean | number; immediate?: boolean } = {}): Promise<number | null> {
    if (opts.simple) {
      await this.sds(AI_SDS_TYPE4, issi, this.ownIssi, simpleTextBits(text));
      return null;
    }
    const msgRef = this.nextMsgRef;
    this.nextMsgRef = (this.nextMsgRef % 255) + 1;
    await this.sds(AI_SDS_TYPE4, issi, this.ownIssi, sdsTlTextBits(msgRef, text, opts.requestReport ?? true, opts.immediate ? 0x89 : 0x82));
    return msgRef;
  }

  /**
   * A text as a terminal sends one too long for a single SDS: concatenated SDS-TL parts (PI
   * 0x8A) of `partChars` characters, sent in `order` (part numbers from 1; default 1, 2, ...;
   * leave one out to lose it). Resolves with each part's message reference, by part number.
   */
  async sendConcatText(issi: number, text: string, opts: { partChars?: number; order?: number[]; requestReport?: number } = {}): Promise<number[]> {
    const size = opts.partChars ?? 200;
    const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
    const refs = chunks.map(() => {
      const ref = this.nextMsgRef;
      this.nextMsgRef = (this.nextMsgRef % 255) + 1;
      return ref;
    });
    const concatRef = refs[0] ?? 1;
    for (const seq of opts.order ?? chunks.map((_, i) => i + 1)) {
      const part = { msgRef: refs[seq - 1]!, concatRef, total: chunks.length, seq, text: chunks[seq - 1]!, requestReport: opts.requestReport ?? 1 };
      await this.sds(AI_SDS_TYPE4, issi, this.ownIssi, sdsTlConcatPartBits(part));
    }
    return refs;
  }

  /** A group call set-up with `issi` holding the floor. */
  async startPtt(issi: number, gssi = this.options.talkgroup): Promise<void> {
    const cc = this.nextCc++;
    this.calls.set(issi, cc);
    await this.urc([`+CTICN: ${cc},0,0,0,${issi},1,1,0,1,1,0,${gssi},0`]);
    await this.urc([`+CTXG: ${cc},3,0,0,0,${issi}`]);
  }

  async stopPtt(issi: number): Promise<void> {
    const cc = this.calls.get(issi);
    if (cc === undefined) return;
    this.calls.delete(issi);
    await this.urc([`+CDTXC: ${cc},0`]);
    await this.urc([`+CTCR: ${cc},1`]);
  }

  /** Raw bytes onto the line, for cases the helpers do not cover. */
  async inject(text: string): Promise<void> {
    await this.write(Buffer.from(text, 'latin1'));
  }

  /** The first CMGS (already received or still to come) that matches. */
  waitForCmgs(match: (c: CmgsReceived) => boolean = () => true, timeoutMs = 3000): Promise<CmgsReceived> {
    const seen = this.submissions.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<CmgsReceived>((resolve, reject) => {
      const onCmgs = (c: CmgsReceived): void => {
        if (!match(c)) return;
        clearTimeout(timer);
        this.off('cmgs', onCmgs);
        resolve(c);
      };
      const timer = setTimeout(() => {
        this.off('cmgs', onCmgs);
        reject(new Error(`no matching AT+CMGS within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('cmgs', onCmgs);
    });
  }

  private async plugIn(): Promise<void> {
    if (this.pair) return;
    const pair = await openPtyPair();
    this.pair = pair;
    this.inbuf = '';
    this.cmgsPending = null;
    this.sdsService = null;
    this.echo = true; // a radio powers up echoing, like any V.250 modem
    // Open our end before the gateway can see the path, so nothing it writes is lost.
    const port = new SerialPort({ path: pair.a, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err) => this.log(`port error: ${err.message}`));
    this.port = port;
    await pointLink(this.options.path, pair.b);
    this.log(`PEI simulator on ${this.options.path} -> ${pair.b}`);
  }

  private async unplug(): Promise<void> {
    const { pair, port } = this;
    this.pair = null;
    this.port = null;
    await removeLink(this.options.path);
    await pair?.close();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async sds(ai: number, from: number, to: number, bits: string): Promise<void> {
    const count = bits.length + (this.faults.has('wrong-bits') ? 8 : 0);
    await this.urc([`+CTSDSR: ${ai},${from},0,${to},0,${count}`, bitsToHex(bits)]);
  }

  private async urc(lines: string[]): Promise<void> {
    const out = this.faults.has('garble') ? garble(lines) : lines;
    const text = out.map((l) => `\r\n${l}\r\n`).join('');
    if (!this.faults.has('partial')) return this.write(Buffer.from(text, 'latin1'));
    const cut = Math.floor(text.length / 2);
    await this.write(Buffer.from(text.slice(0, cut), 'latin1'));
    await new Promise((resolve) => setTimeout(resolve, PARTIAL_GAP_MS));
    await this.write(Buffer.from(text.slice(cut), 'latin1'));
  }

  private write(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new Error('simulated radio is unplugged'));
    return new Promise<void>((resolve, reject) => {
      port.write(bytes, (err) => (err ? reject(err) : port.drain(() => resolve())));
    });
  }

  private onData(chunk: Buffer): void {
    this.inbuf += chunk.toString('latin1');
    for (;;) {
      if (this.cmgsPending) {
        const end = this.inbuf.indexOf('\x1a');
        if (end < 0) return;
        const body = this.inbuf.slice(0, end).trim();
        this.inbuf = this.inbuf.slice(end + 1);
        // A terminal with echo on echoes the user data and the Ctrl-Z too.
        if (this.echo) this.send(`${body}\x1a`);
        this.onSubmission(this.cmgsPending, body);
        this.cmgsPending = null;
        continue;
      }
      const end = this.inbuf.indexOf('\r');
      if (end < 0) return;
      const line = this.inbuf.slice(0, end).trim();
      this.inbuf = this.inbuf.slice(end + 1);
      if (line !== '') this.onCommand(line);
    }
  }

  private onCommand(line: string): void {
    this.received.push(line);
    this.emit('command', line);
    if (this.faults.has('no-answer')) return;
    const cmd = line.toUpperCase();
    const reply = (...info: string[]): void => this.reply(line, [...info, 'OK']);
    const cmgs = /^AT\+CMGS=(\d+),(\d+)$/.exec(cmd);
    const ctsds = /^AT\+CTSDS=(\d+),/.exec(cmd);
    if (this.refuse.has(cmd)) this.reply(line, ['+CME ERROR: 35']);
    else if (cmd === 'AT' || cmd.startsWith('AT+CTSP=') || cmd.startsWith('AT+CTGS=')) reply();
    else if (ctsds) {
      this.sdsService = Number(ctsds[1]);
      reply();
    } else if (/^ATE[01]$/.test(cmd)) {
      reply();
      if (!this.faults.has('echo-stuck')) this.echo = cmd === 'ATE1';
    } else if (cmd === 'AT+CTOM?') reply('+CTOM: 0');
    else if (cmd === 'AT+CNUMF?') reply(`+CNUMF: 6,${tsi(this.ownIssi)}`);
    else if (cmgs && this.requireCtsds && this.sdsService !== AI_SDS_TYPE4) {
      // Left in status or another SDS service, the terminal refuses type 4 user data.
      this.reply(line, ['+CME ERROR: 35']);
    } else if (cmgs) {
      this.cmgsPending = { to: Number(cmgs[1]), bits: Number(cmgs[2]) };
      this.send(`${this.echo ? `${line}\r` : ''}\r\n> `);
    } else this.reply(line, ['+CME ERROR: 4']);
  }

  private onSubmission(head: { to: number; bits: number }, pdu: string): void {
    if (this.faults.has('no-answer')) return;
    const rec: CmgsReceived = { ...head, pdu, decoded: decodeSubmission(pdu, head.bits) };
    this.submissions.push(rec);
    const outcome = this.outcomes.get(head.to) ?? { reply: this.cmgsReply };
    this.emit('cmgs', rec);
    if ('cme' in outcome) {
      this.send(`\r\n+CME ERROR: ${outcome.cme}\r\n`);
      return;
    }
    const instance = ++this.sdsInstance;
    const ref = rec.decoded.kind === 'other' ? 0 : rec.decoded.msgRef;
    this.send(`\r\n+CMGS: ${instance},4,${ref}\r\n\r\nOK\r\n`);
    if ('cmgsStatus' in outcome) {
      // The MT accepted the SDS, then the air interface failed it: an unsolicited +CMGS.
      setTimeout(() => this.send(`\r\n+CMGS: ${instance},${outcome.cmgsStatus},${ref}\r\n`), 20);
      return;
    }
    if (rec.decoded.kind !== 'tl-transfer' || rec.decoded.reportRequest === 0 || outcome.reply === 'none') return;
    const msgRef = rec.decoded.msgRef;
    const reports =
      outcome.reply === 'short'
        ? [sdsShortReportBits(msgRef, 2)]
        : outcome.reply === 'failed'
          ? [sdsTlReportBits(msgRef, STATUS_FAILED)]
          : outcome.reply === 'consumed'
            ? [sdsTlReportBits(msgRef, STATUS_CONSUMED)]
            : // "Both" asked for: received now, consumed when the user opens it.
              rec.decoded.reportRequest === 3
              ? [sdsTlReportBits(msgRef, STATUS_DELIVERED), sdsTlReportBits(msgRef, STATUS_CONSUMED)]
              : [sdsTlReportBits(msgRef, rec.decoded.reportRequest === 2 ? STATUS_CONSUMED : STATUS_DELIVERED)];
    // The far radio's reports come back over the air a moment after the submission.
    reports.forEach((bits, i) => {
      setTimeout(
        () => {
          this.sds(AI_SDS_TYPE4, head.to, this.ownIssi, bits).catch((err: unknown) => this.log(`report lost: ${String(err)}`));
        },
        20 * (i + 1),
      );
    });
  }

  private reply(line: string, responses: string[]): void {
    // Real terminals write pending URCs wherever they are: here, between the echo and the result.
    const urcs = this.interleaved.splice(0);
    this.send(`${this.echo ? `${line}\r` : ''}${[...urcs, ...responses].map((r) => `\r\n${r}\r\n`).join('')}`);
  }

  private send(text: string): void {
    this.write(Buffer.from(text, 'latin1')).catch((err: unknown) => this.log(`write failed: ${String(err)}`));
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** TSI as the PEI prints it: MCC (4 digits, UK 234), MNC (5), SSI (8). */
function tsi(ssi: number): string {
  return `0234${'00014'}${String(ssi).padStart(8, '0')}`;
}

/** Line noise: the PDU of an SDS gets a non-hex byte, any other line a burst of 0xFF. */
function garble(lines: string[]): string[] {
  if (lines.length === 2) return [lines[0] ?? '', `${(lines[1] ?? '').slice(0, 4)}Z${(lines[1] ?? '').slice(5)}`];
  return lines.map((l) => `${l.slice(0, 3)}\xff\xfe${l.slice(3)}`);
}
