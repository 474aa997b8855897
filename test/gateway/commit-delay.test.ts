import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, type JournalOptions } from '../../gateway/journal/journal';
import { untyped } from '../helpers/untyped';

/**
 * Issue 20: under load an ordinary batch waits `commitDelayMs` for more to join its commit
 * (fewer, larger commits: less CPU per message), while an emergency never waits and, arriving,
 * sends what was gathering at once. Below the rate, nothing waits.
 */
const journals: Array<{ journal: Journal; dir: string }> = [];
afterEach(async () => {
  for (const { journal, dir } of journals.splice(0)) {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function openJournal(opts: Partial<JournalOptions>): Promise<{ journal: Journal; batches: number[] }> {
  const batches: number[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tw-commit-delay-'));
  const journal = new Journal({
    path: join(dir, 'journal.db'),
    synchronous: 'full',
    maxBatch: 500,
    log: pino({ level: 'silent' }),
    onBatch: (size) => batches.push(size),
    ...opts,
  });
  await journal.open();
  journals.push({ journal, dir });
  return { journal, batches };
}

const position = (i: number) => untyped({ source: 'mqtt:radio-2001', type: 'test.position', payload: { i } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Keeps this thread busy for `ms` (projections, consoles…), as a loaded main thread is; returns when it stops. */
function keepBusy(ms: number): number {
  const until = Date.now() + ms;
  while (Date.now() < until);
  return until;
}
/** Far longer than any commit takes here: an append still waiting this long is waiting for the delay. */
const LONG_DELAY_MS = 60_000;
const settledWithin = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

describe('commit delay under load', () => {
  it('gathers appends that arrive a few milliseconds apart into one commit', async () => {
    const { journal, batches } = await openJournal({ commitDelayMs: 200, commitDelayAbovePerSecond: 0 });
    const first = journal.append(position(1));
    await sleep(20);
    const second = journal.append(position(2));
    const [a, b] = await Promise.all([first, second]);
    expect(b.seq).toBe(a.seq + 1);
    expect(batches).toEqual([2]);
  });

  it('commits each at once without it', async () => {
    const { journal, batches } = await openJournal({ commitDelayMs: 0 });
    await journal.append(position(1));
    await sleep(20);
    await journal.append(position(2));
    expect(batches).toEqual([1, 1]);
  });

  it('never delays an emergency, and sends what was gathering with it', async () => {
    const { journal } = await openJournal({ commitDelayMs: LONG_DELAY_MS, commitDelayAbovePerSecond: 0 });
    const fix = journal.append(position(1));
    await sleep(20);
    expect(await settledWithin(fix, 200)).toBe(false); // gathering
    const press = journal.append(untyped({ source: 'mqtt:radio-2005', type: 'radio.emergency', payload: { state: 'pressed' } }));
    expect(await settledWithin(Promise.all([press, fix]), 10_000)).toBe(true);
    const [pressed, fixed] = await Promise.all([press, fix]);
    expect(pressed.seq).toBeLessThan(fixed.seq); // the urgent lane first
  });

  it('does not wait while appends arrive slower than the rate it applies above', async () => {
    const { journal } = await openJournal({ commitDelayMs: LONG_DELAY_MS, commitDelayAbovePerSecond: 1_000_000 });
    expect(await settledWithin(journal.append(position(1)), 10_000)).toBe(true);
  });

  it('is cut short by a flush and by closing', async () => {
    const { journal } = await openJournal({ commitDelayMs: LONG_DELAY_MS, commitDelayAbovePerSecond: 0 });
    const one = journal.append(position(1));
    expect(await settledWithin(journal.flush(), 10_000)).toBe(true);
    expect((await one).seq).toBe(1);
    const two = journal.append(position(2));
    expect(await settledWithin(journal.close(), 10_000)).toBe(true);
    expect((await two).seq).toBe(2);
  });
});

describe('a backlog', () => {
  it('sends the next batch behind the one in the writer, so the writer does not wait for this thread to take each commit', async () => {
    const { journal, batches } = await openJournal({ commitDelayMs: 0, maxBatch: 16 });
    const appends = Array.from({ length: 48 }, (_, i) => journal.append(position(i)));
    await new Promise((r) => setImmediate(r)); // the first batch is in the writer
    await new Promise((r) => setImmediate(r)); // and the second behind it
    // This thread is busy (projections, consoles…) and cannot take the first commit.
    const busyUntil = keepBusy(1_000);
    const events = await Promise.all(appends);
    expect(batches.slice(0, 2)).toEqual([16, 16]);
    expect(events[31]!.ts).toBeLessThan(busyUntil); // the second batch was committed meanwhile
    expect(events[47]!.ts).toBeGreaterThanOrEqual(busyUntil); // only two at a time
  });
  it('sends a batch to the writer as soon as it is full: the rest of a busy turn does not hold it', async () => {
    const { journal, batches } = await openJournal({ commitDelayMs: 0, maxBatch: 16 });
    const full = Array.from({ length: 16 }, (_, i) => journal.append(position(i)));
    const next = journal.append(position(16)); // the next batch starts gathering
    // The rest of this turn: more packets read, a commit's projections and broadcasts…
    const busyUntil = keepBusy(1_000);
    const committed = await Promise.all(full);
    expect(committed.map((e) => e.ts < busyUntil)).toEqual(Array(16).fill(true)); // committed meanwhile
    expect((await next).ts).toBeGreaterThanOrEqual(busyUntil);
    expect(batches.slice(0, 2)).toEqual([16, 1]);
  });
});

describe('the urgent lane', () => {
  it('sends an emergency to the writer behind the batch already there, without waiting for this thread to take that commit first', async () => {
    const { journal } = await openJournal({ commitDelayMs: 0 });
    const fix = journal.append(position(1));
    await new Promise((r) => setImmediate(r)); // the fix's batch is in the writer
    const press = journal.append(untyped({ source: 'mqtt:radio-2005', type: 'radio.emergency', payload: { state: 'pressed' } }));
    await new Promise((r) => setImmediate(r));
    // This thread is busy (projections, consoles…) and cannot take the fix's commit; the writer
    // commits the press meanwhile, as it already has it.
    const busyUntil = keepBusy(1_000);
    const [fixed, pressed] = await Promise.all([fix, press]);
    expect(pressed.seq).toBe(fixed.seq + 1);
    expect(pressed.ts).toBeLessThan(busyUntil);
  });

  it('sends an emergency in the turn it is appended: the rest of a busy turn does not hold it', async () => {
    const { journal } = await openJournal({ commitDelayMs: 0 });
    const press = journal.append(untyped({ source: 'mqtt:radio-2005', type: 'radio.emergency', payload: { state: 'pressed' } }));
    // The rest of this turn: a commit's projections and broadcasts, say.
    const busyUntil = keepBusy(1_000);
    expect((await press).ts).toBeLessThan(busyUntil);
  });
});
