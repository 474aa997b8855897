import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFrameError, pipeDockParser, type ParsedItem } from '../../devices/dock/parser';
import { MAX_FRAME } from '../../devices/dock/constants';
import { encodeFrame } from '../../devices/dock/frame';
import { MAX_LINE_LENGTH } from '../../devices/radio/pei/constants';
import { PeiLineParser, type LineItem } from '../../devices/radio/pei/line-parser';
import { parseLine } from '../../devices/radio/pei/urc';
import { interpretSds } from '../../devices/radio/sds-events';
import { matchTopic, TOPICS, topicFor } from '../../gateway/contract/topics';
import { validateInbound } from '../../gateway/ingest';

/**
 * Properties over random input for everything that parses bytes from outside: the MQTT payload
 * validation and the two serial parsers. None may throw; every rejection carries a reason; what
 * is accepted really is valid.
 */
const RUNS = { numRuns: 600 };
const PARAMS = { issi: 2001, gssi: 9001, premisesId: 'prem-001', cameraId: 'cam-01' };
const KINDS = new Set(['unknown-topic', 'oversize', 'utf8', 'json', 'schema']);

const inboundTopics = TOPICS.filter((t) => t.direction === 'in');
const topicArb = fc.oneof(
  fc.constantFrom(...inboundTopics).map((t) => topicFor(t.name, PARAMS)),
  fc.string({ maxLength: 40 }).map((s) => `tw/v1/${s}`),
  fc.array(fc.constantFrom('tw', 'v1', 'radio', '2001', 'position', '', '+', 'x'), { maxLength: 6 }).map((p) => p.join('/')),
);

/** Mostly-plausible payloads: valid-ish JSON objects with the contract's field names, random JSON, raw bytes. */
const fieldNames = [
  'lat',
  'lon',
  'accuracyM',
  'fixTime',
  'value',
  'state',
  'talkgroup',
  'to',
  'text',
  'msgId',
  'status',
  'online',
  'kind',
  'category',
  'occurredAt',
  'description',
  '__proto__',
  'constructor',
];
const valueArb = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 30 }),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('pressed', 'start', 'incident', 'theft', 'delivered'),
);
/** One valid payload per inbound topic; the fuzzer damages them (or not) one field at a time. */
const now = new Date().toISOString();
const VALID: Record<string, Record<string, unknown>> = {
  'radio.position': { lat: 52.955, lon: -1.15, accuracyM: 5, fixTime: now },
  'radio.ptt': { state: 'start', talkgroup: 9001 },
  'radio.status': { value: 32768 },
  'radio.emergency': { state: 'pressed' },
  'radio.text': { to: 9001, text: 'hello' },
  'radio.receipt': { msgId: 'm-1', status: 'delivered' },
  'radio.presence': { online: true },
  'shop.report': { kind: 'incident', category: 'theft', occurredAt: now, description: 'two males, one in a red coat' },
  'cctv.sighting': { seenAt: now, operator: 'op-1' },
  'cctv.bookmark': { at: now, operator: 'op-1', note: 'door' },
  'cctv.fault': { operator: 'op-1', fault: 'lens obscured' },
};
const damaged = (name: string) =>
  fc
    .record({
      sample: fc.constant(VALID[name]!),
      change: fc.option(fc.oneof(fc.record({ set: fc.constantFrom(...fieldNames), value: valueArb }), fc.record({ drop: fc.constantFrom(...fieldNames) })), {
        freq: 3,
      }),
    })
    .map(({ sample, change }) => {
      const o: Record<string, unknown> = { ...sample };
      if (change && 'set' in change) o[change.set] = change.value;
      if (change && 'drop' in change) delete o[change.drop];
      return Buffer.from(JSON.stringify(o));
    });
const payloadArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...fieldNames), valueArb, { maxKeys: 6 }).map((o) => Buffer.from(JSON.stringify(o))),
  fc.json().map((j) => Buffer.from(j)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.integer({ min: 3000, max: 20_000 }).map((n) => Buffer.from(JSON.stringify({ text: 'x'.repeat(n) }))),
);

/** Mostly a topic with a (possibly damaged) payload of its own kind; sometimes anything on anything. */
const inboundArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...Object.keys(VALID)).chain((name) => fc.tuple(fc.constant(topicFor(name, PARAMS)), damaged(name))) },
  { weight: 2, arbitrary: fc.tuple(topicArb, payloadArb) },
);

describe('fuzz: MQTT payload validation (validateInbound)', () => {
  it('never throws; rejects with a kind and reason; accepts only what the schema accepts', () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(inboundArb, ([topic, payload]) => {
        const match = matchTopic(topic);
        const verdict = validateInbound(match, payload);
        const outcome = verdict.ok ? 'ok' : verdict.kind;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (!verdict.ok) {
          expect(KINDS.has(verdict.kind)).toBe(true);
          expect(verdict.reason.length).toBeGreaterThan(0);
          if (!match) expect(verdict.kind).toBe('unknown-topic');
          return;
        }
        expect(match).not.toBeNull();
        expect(payload.length).toBeLessThanOrEqual(match!.spec.maxPayload);
        // The journaled payload is the parsed one plus the topic's parameters; the parsed part re-validates.
        const params = new Set(Object.keys(match!.params));
        const own = Object.fromEntries(Object.entries(verdict.payload).filter(([k]) => !params.has(k)));
        expect(match!.spec.schema.safeParse(own).success).toBe(true);
        expect(verdict.type).toBe(match!.spec.name);
      }),
      RUNS,
    );
    // The generators reach every branch: accepted, and each kind of rejection.
    expect([...outcomes.keys()].sort()).toEqual(['json', 'ok', 'oversize', 'schema', 'unknown-topic', 'utf8']);
  });

  it('every valid sample is accepted on its topic (the fuzzer starts from real payloads)', () => {
    for (const [name, sample] of Object.entries(VALID)) {
      const topic = topicFor(name, PARAMS);
      expect(validateInbound(matchTopic(topic), Buffer.from(JSON.stringify(sample))), name).toMatchObject({ ok: true, type: name });
    }
  });

  it('a valid position with one field damaged is either still valid or rejected as schema, never thrown', () => {
    const base = { lat: 52.955, lon: -1.15, accuracyM: 5, speedKmh: 4, headingDeg: 90, fixTime: new Date().toISOString() };
    const match = matchTopic('tw/v1/radio/2001/position')!;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(base)), fc.anything(), (key, value) => {
        let text: string | undefined;
        try {
          text = JSON.stringify({ ...base, [key]: value });
        } catch {
          return; // a BigInt: not something a device could send
        }
        const verdict = validateInbound(match, Buffer.from(text));
        if (!verdict.ok) expect(['schema', 'oversize']).toContain(verdict.kind);
      }),
      RUNS,
    );
  });
});

function parsePei(chunks: readonly string[]): LineItem[] {
  const parser = new PeiLineParser();
  const items: LineItem[] = [];
  parser.on('data', (item: LineItem) => items.push(item));
  for (const c of chunks) parser.write(Buffer.from(c, 'latin1'));
  parser.end();
  return items;
}

/** Splits a string at the given (sorted, deduplicated) cut points. */
function split(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(text.slice(prev, c));
    prev = c;
  }
  out.push(text.slice(prev));
  return out;
}

const peiText = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'OK',
          'ERROR',
          '+CTSDSR: 12,2001,0,1000001,0,84',
          '0A0FF2EA625A7CC90A8030',
          '+CTICN: 1,0,0,0,2001,1,1,0,1,1,0,9001,0',
          '+CME ERROR: 4',
          '+CTXG: 1,3,0,0,0,2001',
          'AT+CTSP=1,3,130',
        ),
        fc.string({ maxLength: 40 }),
      ),
      { maxLength: 12 },
    )
    .chain((lines) => fc.constantFrom('\r\n', '\r', '\n').map((eol) => lines.join(eol) + eol)),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe('fuzz: PEI serial line parser', () => {
  it('never throws, bounds every item, and gives the same items however the bytes are split', () => {
    fc.assert(
      fc.property(peiText, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        // The CMGS prompt "> " is recognised only as a whole open line, so a split right after it is a real difference.
        fc.pre(!text.includes('>'));
        const whole = parsePei([text]);
        for (const item of whole) {
          if (item.kind === 'line') {
            expect(item.line.length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
            expect(item.line).not.toMatch(/[\r\n]/);
          }
          if (item.kind === 'garbage') expect(item.reason.length).toBeGreaterThan(0);
        }
        expect(parsePei(split(text, cuts))).toEqual(whole);
      }),
      RUNS,
    );
  });

  it('a line or an SDS of any content is classified or rejected with a reason, never thrown', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 60 }), fc.integer({ min: -5, max: 400 }), (line, pdu, bits) => {
        const item = parseLine(line);
        if (item.kind === 'malformed') expect(item.reason.length).toBeGreaterThan(0);
        const sds = interpretSds(`+CTSDSR: 12,2001,0,1000001,0,${bits}`, pdu, new Date());
        for (const ev of sds.events) if (ev.type === 'radio.malformed') expect(ev.reason.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });
});

/** RFC 1055 framing, written out here so the decoder under test is not its own oracle. */
function slip(frame: Uint8Array): Buffer {
  const out: number[] = [0xc0];
  for (const b of frame) out.push(...(b === 0xc0 ? [0xdb, 0xdc] : b === 0xdb ? [0xdb, 0xdd] : [b]));
  out.push(0xc0);
  return Buffer.from(out);
}

async function parseDock(bytes: Buffer[]): Promise<ParsedItem[]> {
  const source = new PassThrough();
  const parser = pipeDockParser(source);
  const items: ParsedItem[] = [];
  parser.on('data', (item: ParsedItem) => items.push(item));
  const done = new Promise<void>((resolve) => parser.once('end', () => resolve()));
  for (const b of bytes) source.write(b);
  source.end();
  await done;
  return items;
}

describe('fuzz: dock serial parser (SLIP + frames)', () => {
  it('turns arbitrary bytes into frames or reasons, never throws, never invents a frame bigger than allowed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), async (chunks) => {
        const items = await parseDock(chunks.map((c) => Buffer.from(c)));
        for (const item of items) {
          if (isFrameError(item)) {
            expect(['crc', 'length', 'unknown', 'order', 'busy']).toContain(item.reason);
            expect(item.error.length).toBeGreaterThan(0);
          } else {
            expect(item.payload.length).toBeLessThanOrEqual(MAX_FRAME);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('good frames mixed with noise packets: every good frame comes through, in order, and each noise packet is one reason', async () => {
    const frameArb = fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), payload: fc.uint8Array({ maxLength: 100 }) });
    const noiseArb = fc.uint8Array({ minLength: 1, maxLength: 60 }).filter((b) => !b.includes(0xc0));
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            frameArb.map((f) => ({ good: f })),
            noiseArb.map((n) => ({ noise: n })),
          ),
          { maxLength: 12 },
        ),
        async (packets) => {
          const wire = packets.map((p) => ('good' in p ? slip(encodeFrame(0x21, p.good.seq, Buffer.from(p.good.payload))) : slip(p.noise)));
          const items = await parseDock([Buffer.concat(wire)]);
          expect(items).toHaveLength(packets.length);
          packets.forEach((p, i) => {
            const item = items[i]!;
            if ('good' in p) {
              expect(isFrameError(item)).toBe(false);
              expect(item).toMatchObject({ type: 0x21, seq: p.good.seq });
            } else if (isFrameError(item)) {
              expect(item.error.length).toBeGreaterThan(0);
            }
            // A noise packet may by chance be a well-formed frame (or end in one): then it is one item too.
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
