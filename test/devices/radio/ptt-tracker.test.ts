import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../devices/radio/pei/urc';
import { PttTracker } from '../../../devices/radio/ptt-tracker';

/** Feed URC lines and return the events as compact "issi:talkgroup:state" strings. */
function run(tracker: PttTracker, lines: string[], ownIssi: number | null = 1000001): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const item = parseLine(line);
    if (item.kind !== 'cticn' && item.kind !== 'ctxg' && item.kind !== 'cdtxc' && item.kind !== 'ctcr') {
      throw new Error(`not a call URC: ${line}`);
    }
    for (const ev of tracker.handle(item, line, ownIssi)) {
      out.push(ev.type === 'radio.ptt' ? `${ev.issi}:${ev.talkgroup}:${ev.state}` : `malformed:${ev.reason}`);
    }
  }
  return out;
}

describe('PttTracker', () => {
  it('follows the floor through a group call', () => {
    const t = new PttTracker();
    expect(
      run(t, [
        '+CTICN: 1,0,0,0,2001,1,1,0,1,1,0,9001,0', // 2001 opens a call on 9001 and talks
        '+CTXG: 1,3,0,0,0,2001', //                  grant to 2001 again: no duplicate
        '+CDTXC: 1,0', //                            2001 releases PTT
        '+CTXG: 1,3,0,0,0,2002', //                  2002 answers on the same call
        '+CTXG: 1,3,0,0,0,2003', //                  2003 takes over (2002 implicitly stops)
        '+CTCR: 1,1', //                             hang time over
      ]),
    ).toEqual(['2001:9001:start', '2001:9001:stop', '2002:9001:start', '2002:9001:stop', '2003:9001:start', '2003:9001:stop']);
  });

  it('credits a grant without a TPI to this station', () => {
    const t = new PttTracker();
    expect(run(t, ['+CTICN: 4,0,0,0,2001,1,1,0,1,1,0,9001,0', '+CDTXC: 4,0', '+CTXG: 4,0,0,0'])).toEqual([
      '2001:9001:start',
      '2001:9001:stop',
      '1000001:9001:start',
    ]);
  });

  it('ignores individual calls and refused grants; flags calls it never saw set up', () => {
    const t = new PttTracker();
    expect(run(t, ['+CTICN: 2,0,0,0,2001,1,1,0,0,1,0,2002,0', '+CTXG: 2,3,0,0,0,2002', '+CTCR: 2,1'])).toEqual([]);
    expect(run(t, ['+CTICN: 3,0,0,0,2001,1,1,0,1,1,0,9001,0', '+CTXG: 3,1,0,0,0,2005'])).toEqual(['2001:9001:start']);
    expect(run(t, ['+CDTXC: 7,0'])).toEqual([expect.stringMatching(/^malformed:\+CDTXC for call 7 whose set-up \(\+CTICN\) was not seen/)]);
  });

  it('a call joined mid-call (+CTXG first) is flagged once with the talker and why, then followed quietly to its end', () => {
    const t = new PttTracker();
    // The link came up during call 5: its set-up went by before we listened.
    expect(run(t, ['+CTXG: 5,3,0,0,0,2004'])).toEqual([
      'malformed:+CTXG for call 5 whose set-up (+CTICN) was not seen (joined mid-call): talkgroup unknown, so talker 2004 is not shown until the next call',
    ]);
    // Its later URCs are neither flagged again nor guessed onto a talkgroup.
    expect(run(t, ['+CDTXC: 5,0', '+CTXG: 5,3,0,0,0,2006', '+CDTXC: 5,0', '+CTCR: 5,1'])).toEqual([]);
    // The next call on that instance is set up properly and shown.
    expect(run(t, ['+CTICN: 5,0,0,0,2001,1,1,0,1,1,0,9001,0'])).toEqual(['2001:9001:start']);
    // The end of a call never seen at all has nothing to close.
    expect(run(t, ['+CTCR: 9,1'])).toEqual([]);
  });

  it('stops every talker on reset (link lost)', () => {
    const t = new PttTracker();
    run(t, ['+CTICN: 1,0,0,0,2001,1,1,0,1,1,0,9001,0', '+CTICN: 2,0,0,0,2002,1,1,0,1,1,0,9002,0']);
    expect(t.reset().map((e) => e.type === 'radio.ptt' && `${e.issi}:${e.state}`)).toEqual(['2001:stop', '2002:stop']);
  });
});
