import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, NakCode } from '../../../devices/dock/constants';
import { encodeJson } from '../../../devices/dock/messages';
import { isFrameError, pipeDockParser, type ParsedItem } from '../../../devices/dock/parser';
import type { Frame } from '../../../devices/dock/frame';
import { FrameWriter } from '../../../devices/dock/writer';
import type { Gateway } from '../../../gateway/app';
import { MAX_FIRSTS } from '../../../gateway/evidence/noise';
import type { PtyPair } from '../../../simulators/dock/pty';
import { mulberry32 } from '../../../simulators/random';
import { startDockGateway, until } from './harness';

/** Short so the test sees several windows; the gateway's default is a minute. */
const WINDOW_MS = 400;

let gw: Gateway;
let pty: PtyPair;
let port: SerialPort;
const got: ParsedItem[] = [];

beforeAll(async () => {
  ({ gw, pty } = await startDockGateway(undefined, { noiseReportMs: WINDOW_MS }));
  port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
  await new Promise((resolve) => port.once('open', resolve));
  pipeDockParser(port).on('data', (item: ParsedItem) => got.push(item));
}, 30_000);

afterAll(async () => {
  if (port?.isOpen) await new Promise((resolve) => port.close(resolve));
  await gw?.stop();
  await pty?.close();
});

const dockQuarantine = () => [...gw.journal.replay()].filter((e) => e.type === 'quarantine.message' && e.source === 'dock:dock-1');
const malformedCount = async (kind?: string): Promise<number> => {
  const m = await gw.metrics.dockMalformed.get();
  return m.values.filter((v) => kind === undefined || v.labels.kind === kind).reduce((n, v) => n + v.value, 0);
};

describe('dock line noise and malformed frames over a socat PTY', () => {
  it('G18 counts 2,000 noise packets in metrics and journals the first of each fault and one summary per dock per window', async () => {
    const rng = mulberry32(18);
    const packets: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const len = 1 + Math.floor(rng() * 20);
      const bytes = Buffer.alloc(len);
      // No END or ESC inside: each one is exactly one SLIP packet of noise.
      for (let j = 0; j < len; j++) bytes[j] = Math.floor(rng() * 0xc0);
      packets.push(Buffer.from([0xc0]), bytes);
    }
    packets.push(Buffer.from([0xc0]));
    const started = Date.now();
    const all = Buffer.concat(packets);
    for (let at = 0; at < all.length; at += 4096) {
      port.write(all.subarray(at, at + 4096));
      await new Promise((r) => setTimeout(r, 5));
    }
    await expect.poll(() => malformedCount(), { timeout: 15_000 }).toBe(2000);
    // Everything counted is journaled once the window closes.
    // A first-of-its-fault record stands for one packet, a summary for `count`.
    const accounted = () => dockQuarantine().reduce((n, e) => n + ((e.payload as { count?: number }).count ?? 1), 0);
    await until(() => accounted() === 2000, 10_000, 'records of all 2,000 packets');
    const elapsed = Date.now() - started;
    const events = dockQuarantine();
    const windows = Math.ceil(elapsed / WINDOW_MS) + 1;
    expect(events.length).toBeLessThanOrEqual(windows * (MAX_FIRSTS + 1));
    const singles = events.filter((e) => (e.payload as { count?: number }).count === undefined);
    expect(singles.length).toBeGreaterThanOrEqual(1);
    for (const e of singles) expect((e.payload as { reason: string }).reason.length).toBeGreaterThan(0);
    const summary = events.find((e) => (e.payload as { count?: number }).count !== undefined);
    expect(summary).toBeDefined();
    const first = summary!.payload as { count: number; byKind: Record<string, number>; samples: Array<{ kind: string; rawHex: string }>; reason: string };
    expect(first.samples.length).toBeGreaterThanOrEqual(1);
    expect(first.samples[0]!.rawHex).toMatch(/^[0-9a-f]+/);
    expect(first.reason).toMatch(/undecodable or malformed packet/);
    expect(Object.values(first.byKind).reduce((a, b) => a + b, 0)).toBe(first.count);
  });

  it('G2 answers a malformed HELLO with NAK 7 every time and journals it once, however often the dock retries', async () => {
    const before = dockQuarantine().length;
    const writer = new FrameWriter();
    writer.pipe(port);
    // The mistake a vendor made from the old document: a string nonce.
    for (let i = 0; i < 10; i++) {
      writer.writeFrame(FrameType.HELLO, 0, encodeJson({ dockId: 'dock-1', fw: '1.0', bays: 4, nonce: 'a1b2c3' }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const naks = () =>
      got.filter((i): i is Frame => !isFrameError(i) && i.type === FrameType.NAK).map((f) => JSON.parse(f.payload.toString()) as { reason: number });
    await until(() => naks().filter((n) => n.reason === NakCode.payload).length === 10, 5000, '10 NAK 7');
    await until(() => dockQuarantine().length > before, 5000, 'the quarantine record');
    await new Promise((r) => setTimeout(r, 3 * WINDOW_MS));
    const after = dockQuarantine().slice(before);
    expect(after).toHaveLength(1);
    expect(after[0]!.payload).toMatchObject({ kind: 'dock', reason: expect.stringMatching(/^HELLO/) as unknown });
    expect(await malformedCount('HELLO-repeat')).toBe(9);
    writer.unpipe();
  });
});
