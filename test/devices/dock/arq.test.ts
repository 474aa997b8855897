import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ArqReceiver, ArqSender, LinkReset } from '../../../devices/dock/arq';
import { NakCode } from '../../../devices/dock/constants';

function rig(window = 4) {
  const sent: Array<{ seq: number; retransmit: boolean }> = [];
  const failures: string[] = [];
  const sender = new ArqSender({
    window,
    retransmitMs: 500,
    maxTries: 3,
    write: (_type, seq, _payload, retransmit) => sent.push({ seq, retransmit }),
    onFail: (reason) => failures.push(reason),
  });
  return { sender, sent, failures };
}

describe('ArqSender', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps at most `window` frames in flight and slides on cumulative ACKs', () => {
    const { sender, sent } = rig();
    for (let i = 0; i < 6; i++) sender.enqueue(0x21, Buffer.alloc(1));
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2, 3]);
    sender.onAck(2); // covers 0, 1, 2
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sender.pending).toBe(3);
  });

  it('goes back N after 500 ms and gives up after maxTries', () => {
    const { sender, sent, failures } = rig();
    sender.enqueue(0x21, Buffer.alloc(1));
    sender.enqueue(0x21, Buffer.alloc(1));
    vi.advanceTimersByTime(499);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sent.slice(2)).toEqual([
      { seq: 0, retransmit: true },
      { seq: 1, retransmit: true },
    ]);
    vi.advanceTimersByTime(1000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/seq 0 after 3 tries/);
  });

  it('answers a burst of NAKs for one loss with a single go-back', () => {
    const { sender, sent } = rig();
    for (let i = 0; i < 4; i++) sender.enqueue(0x21, Buffer.alloc(1));
    sender.onNak(1, NakCode.crc);
    sender.onNak(2, NakCode.order, 1); // also proves 0 arrived
    sender.onNak(3, NakCode.order, 1);
    expect(sent.filter((s) => s.retransmit).map((s) => s.seq)).toEqual([0, 1, 2, 3]);
    expect(sender.pending).toBe(3);
  });

  it('a busy NAK postpones instead of resending', () => {
    const { sender, sent } = rig();
    sender.enqueue(0x21, Buffer.alloc(1));
    vi.advanceTimersByTime(400);
    sender.onNak(0, NakCode.busy);
    vi.advanceTimersByTime(400);
    expect(sent.filter((s) => s.retransmit)).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(sent.filter((s) => s.retransmit)).toHaveLength(1);
  });

  it('flush waits for every ACK and a reset fails the waiters', async () => {
    const { sender } = rig();
    sender.enqueue(0x21, Buffer.alloc(1));
    const flushed = sender.flush();
    sender.onAck(0);
    await expect(flushed).resolves.toBeUndefined();
    sender.enqueue(0x21, Buffer.alloc(1));
    const pending = sender.flush();
    sender.reset('port closed');
    await expect(pending).rejects.toBeInstanceOf(LinkReset);
  });
});

describe('ArqReceiver', () => {
  it('accepts the next seq, re-acknowledges duplicates with the same answer, NAKs a gap once', () => {
    const r = new ArqReceiver();
    expect(r.classify(0)).toBe('next');
    r.accept({ seq: 0, fileNo: 1, offset: 1024 });
    expect(r.classify(0)).toBe('dup');
    expect(r.ackFor(0)).toEqual({ seq: 0, fileNo: 1, offset: 1024 });
    expect(r.classify(2)).toBe('ahead');
    expect(r.shouldNakGap()).toBe(true);
    expect(r.shouldNakGap()).toBe(false);
  });

  it('wraps at 65536', () => {
    const r = new ArqReceiver();
    r.accept({ seq: 0xffff });
    expect(r.expected).toBe(0);
    expect(r.classify(0)).toBe('next');
    expect(r.classify(0xffff)).toBe('dup');
    expect(r.classify(1)).toBe('ahead');
  });
});
