import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandError, CommandQueue, CommandTimeoutError } from '../../../devices/radio/pei/command-queue';

describe('CommandQueue', () => {
  let written: string[];
  let timeouts: CommandTimeoutError[];
  let queue: CommandQueue;

  beforeEach(() => {
    vi.useFakeTimers();
    written = [];
    timeouts = [];
    queue = new CommandQueue({
      write: (b) => written.push(b.toString('latin1')),
      onTimeout: (e) => timeouts.push(e),
      promptWaitMs: 100,
    });
  });
  afterEach(() => {
    queue.close(new Error('test over'));
    vi.useRealTimers();
  });

  it('keeps one command outstanding and hands it its information response', async () => {
    const a = queue.run({ line: 'AT+CTOM?', expect: '+CTOM:', timeoutMs: 1000 });
    const b = queue.run({ line: 'AT+CNUMF?', expect: '+CNUMF:', timeoutMs: 1000 });
    expect(written).toEqual(['AT+CTOM?\r']);
    expect(queue.onInfo('+CNUMF: 6,1')).toBe(false); // not this command's response
    expect(queue.onInfo('+CTOM: 0')).toBe(true);
    queue.onFinal(true, null, 'OK');
    await expect(a).resolves.toEqual({ info: ['+CTOM: 0'] });
    expect(written).toEqual(['AT+CTOM?\r', 'AT+CNUMF?\r']);
    queue.onFinal(false, 4, '+CME ERROR: 4');
    await expect(b).rejects.toBeInstanceOf(CommandError);
    expect(queue.onFinal(true, null, 'OK')).toBe(false); // nothing outstanding
  });

  it('times out, tells the owner, and moves on', async () => {
    const a = queue.run({ line: 'AT', timeoutMs: 200 });
    const b = queue.run({ line: 'ATE0', timeoutMs: 200 });
    const failed = expect(a).rejects.toBeInstanceOf(CommandTimeoutError);
    await vi.advanceTimersByTimeAsync(200);
    await failed;
    expect(timeouts.map((t) => t.message)).toEqual(['no answer to AT within 200 ms']);
    expect(written).toEqual(['AT\r', 'ATE0\r']);
    queue.onFinal(true, null, 'OK');
    await expect(b).resolves.toEqual({ info: [] });
  });

  it('sends CMGS user data on the prompt, or after promptWaitMs without one', async () => {
    const head = Buffer.from('AT+CMGS=9001,16\r\n');
    const a = queue.run({ line: 'AT+CMGS=9001,16', head, body: Buffer.from('8002\x1a'), timeoutMs: 1000 });
    expect(written).toEqual(['AT+CMGS=9001,16\r\n']);
    expect(queue.onPrompt()).toBe(true);
    expect(written).toEqual(['AT+CMGS=9001,16\r\n', '8002\x1a']);
    queue.onFinal(true, null, 'OK');
    await a;
    const b = queue.run({ line: 'AT+CMGS=9001,16', head, body: Buffer.from('8003\x1a'), timeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(100);
    expect(written.at(-1)).toBe('8003\x1a');
    queue.onFinal(true, null, 'OK');
    await b;
  });

  it('rejects everything when closed, and later commands at once', async () => {
    const a = queue.run({ line: 'AT', timeoutMs: 1000 });
    const b = queue.run({ line: 'ATE0', timeoutMs: 1000 });
    queue.close(new Error('link down'));
    await expect(a).rejects.toThrow('link down');
    await expect(b).rejects.toThrow('link down');
    await expect(queue.run({ line: 'AT', timeoutMs: 1000 })).rejects.toThrow('link down');
    expect(vi.getTimerCount()).toBe(0);
  });
});
