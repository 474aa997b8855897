import { Duplex } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { corkPerTurn } from '../../gateway/broker/cork';

/** A corked connection that records each system-call-sized write it is asked to make. */
function corkedStream(): { stream: Duplex; writes: string[][] } {
  const writes: string[][] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push([chunk.toString()]);
      cb();
    },
    writev(chunks, cb) {
      writes.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      cb();
    },
  });
  corkPerTurn(stream);
  return { stream, writes };
}

describe('writes corked per turn of the event loop, for a millisecond at most', () => {
  it('sends what one turn wrote to a connection in one write, and the next turn in another', async () => {
    // A turn shorter than the bound. The clock stands still: on a loaded machine the test itself
    // can be descheduled for a millisecond between two writes, and the bound then rightly splits them.
    const clock = vi.spyOn(performance, 'now').mockReturnValue(performance.now());
    try {
      const { stream, writes } = corkedStream();
      stream.write('PUBLISH 1');
      stream.write('PUBLISH 2');
      stream.write('PUBLISH 3');
      expect(writes).toEqual([]); // held until the turn ends
      await nextTurn();
      expect(writes).toEqual([['PUBLISH 1', 'PUBLISH 2', 'PUBLISH 3']]);
      stream.write('PUBACK 4');
      await nextTurn();
      expect(writes).toEqual([['PUBLISH 1', 'PUBLISH 2', 'PUBLISH 3'], ['PUBACK 4']]);
    } finally {
      clock.mockRestore();
    }
  });

  it('does not hold a write for the rest of a long turn: what waited a millisecond leaves with the next write', async () => {
    const a = corkedStream();
    const b = corkedStream();
    a.stream.write('PUBLISH 1');
    b.stream.write('PUBACK 1');
    const until = performance.now() + 2;
    while (performance.now() < until); // a busy turn, reading more packets
    a.stream.write('PUBLISH 2');
    // Both connections' waiting bytes left; this write starts the next bundle.
    expect(a.writes).toEqual([['PUBLISH 1']]);
    expect(b.writes).toEqual([['PUBACK 1']]);
    await nextTurn();
    expect(a.writes).toEqual([['PUBLISH 1'], ['PUBLISH 2']]);
  });

  it('keeps connections apart and loses nothing written to one that is closing', async () => {
    const a = corkedStream();
    const b = corkedStream();
    a.stream.write('to a');
    b.stream.write('to b');
    a.stream.end('last to a');
    await nextTurn();
    expect(a.writes.flat()).toEqual(['to a', 'last to a']);
    expect(b.writes).toEqual([['to b']]);
  });
});
