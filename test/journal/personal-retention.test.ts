import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/schema';
import type { Gateway } from '../../gateway/app';
import { PersonalDataRetention } from '../../gateway/journal/personal-retention';
import type { JournalEvent } from '../../gateway/journal/types';
import { ManualClock } from '../helpers/clock';
import { connectMqtt, eventually, startGateway, testConfig } from '../helpers/gateway';

/**
 * Retention of personal data (`privacy.retention`): where officers were, fix by fix, is erased
 * from the journal once it is older than its rule's days, each erasure on the record; the rest
 * of the journal is untouched and the chain still verifies. The retention jobs here run on a
 * clock set weeks ahead, against the gateway's real journal.
 */
const DAY_MS = 86_400_000;
const log = pino({ level: 'silent' });
let gw: Gateway;
let config: Config;
let radio: MqttClient;

beforeAll(async () => {
  const t = testConfig((doc) => {
    doc.privacy = {
      retention: [
        { types: ['radio.position'], days: 31 },
        { types: ['radio.text'], days: 2 },
      ],
    };
  });
  config = t.config;
  gw = await startGateway(config);
  radio = await connectMqtt(gw.broker.port, 'radio-2001');
});
afterAll(async () => {
  await radio?.endAsync(true);
  await gw?.stop();
});

const events = (type: string): JournalEvent[] => [...gw.journal.replay()].filter((e) => e.type === type);
const retentionAt = (ms: number) => new PersonalDataRetention({ config, journal: gw.journal, log, clock: new ManualClock(ms) });

async function publish(kind: 'position' | 'status' | 'text', n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const body =
      kind === 'position'
        ? { lat: 52.95 + i * 0.0001, lon: -1.15, accuracyM: 5, fixTime: new Date().toISOString() }
        : kind === 'status'
          ? { value: 32770 }
          : { to: 9001, text: `On my way ${i}` };
    await radio.publishAsync(`tw/v1/radio/2001/${kind}`, JSON.stringify(body), { qos: 1 });
  }
  await eventually(() => gw.journal.pendingCount === 0, 5000, 'commits');
}

describe('retention of personal data', () => {
  it('erases positions past their days, on the record, and nothing else; the chain still verifies', async () => {
    await publish('position', 5);
    await publish('status', 2);
    const fixes = events('radio.position').map((e) => e.seq);
    expect(fixes).toHaveLength(5);

    // A month on, nothing is due yet.
    await retentionAt(Date.now() + 30 * DAY_MS).pass();
    expect(events('journal.payloads-erased')).toEqual([]);
    expect(events('radio.position').every((e) => e.payload !== null)).toBe(true);

    // Past 31 days every fix is erased, by one event that names them, with no actor: the rule did it.
    await retentionAt(Date.now() + 32 * DAY_MS).pass();
    const erasures = events('journal.payloads-erased');
    expect(erasures.map((e) => [e.actor, e.payload])).toEqual([
      [null, { type: 'radio.position', seqs: fixes, reason: 'retention: radio.position is kept 31 days' }],
    ]);
    expect(events('radio.position').map((e) => [e.seq, e.payload])).toEqual(fixes.map((seq) => [seq, null]));
    // The status reports are not personal data under these rules, and stay.
    expect(events('radio.status').every((e) => e.payload !== null)).toBe(true);
    expect(gw.journal.reader.verify()).toMatchObject({ ok: true });
  });

  it('erases each event once, and after a restart resumes from the newest erasure on the record', async () => {
    await publish('position', 3);
    const fresh = events('radio.position')
      .slice(-3)
      .map((e) => e.seq);
    const before = events('journal.payloads-erased').length;
    // A new job (a restart) on the same journal: only the three new fixes, then nothing again.
    const restarted = retentionAt(Date.now() + 32 * DAY_MS);
    await restarted.pass();
    const after = events('journal.payloads-erased');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.payload).toMatchObject({ type: 'radio.position', seqs: fresh });
    await restarted.pass();
    await retentionAt(Date.now() + 40 * DAY_MS).pass();
    expect(events('journal.payloads-erased')).toHaveLength(before + 1);
    expect(gw.journal.reader.verify()).toMatchObject({ ok: true });
  });

  it('keeps each type its own days: texts go after two, positions not before 31', async () => {
    await publish('position', 1);
    await publish('text', 2);
    const [fix] = events('radio.position').slice(-1);
    const texts = events('radio.text').map((e) => e.seq);
    expect(texts).toHaveLength(2);
    await retentionAt(Date.now() + 3 * DAY_MS).pass();
    expect(events('radio.text').map((e) => e.payload)).toEqual([null, null]);
    expect(events('journal.payloads-erased').at(-1)!.payload).toMatchObject({ type: 'radio.text', seqs: texts });
    expect(gw.journal.reader.get(fix!.seq)!.payload).not.toBeNull();
  });

  it('refuses a rule naming a type the gateway does not journal, one that records erasures, or a type in two rules', () => {
    const withRules = (retention: Config['privacy']['retention']) => ({ ...config, privacy: { ...config.privacy, retention } });
    const make = (retention: Config['privacy']['retention']) => () => new PersonalDataRetention({ config: withRules(retention), journal: gw.journal, log });
    expect(make([{ types: ['radio.positions'], days: 31 }])).toThrow('privacy.retention[0].types: "radio.positions" is not an event type the gateway journals');
    expect(make([{ types: ['journal.payloads-erased'], days: 31 }])).toThrow('records erasures and is kept');
    expect(
      make([
        { types: ['radio.position'], days: 31 },
        { types: ['radio.position'], days: 5 },
      ]),
    ).toThrow('privacy.retention[1].types: "radio.position" is in more than one rule');
  });
});
