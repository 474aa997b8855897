import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Gateway } from '../../gateway/app';
import { connectMqtt, startGateway, testConfig } from '../helpers/gateway';
import { accepts } from '../helpers/net';

/** A logger whose lines the test can read. */
function capturedLog(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

/** Everything a stopped gateway must have let go of: its listeners, and the journal. */
async function expectFullyStopped(gw: Gateway, ports: { http: number; mqtt: number }, journalPath: string): Promise<void> {
  expect(gw.journal.isOpen).toBe(false);
  expect(await accepts(ports.http)).toBe(false);
  expect(await accepts(ports.mqtt)).toBe(false);
  expect(gw.readiness().checks).toMatchObject({ journal: false, broker: false });
  // SQLite removes the write-ahead log when the last connection closes cleanly.
  expect(existsSync(`${journalPath}-wal`)).toBe(false);
}

describe('the composition root stops every part, each in isolation', () => {
  let gw: Gateway | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (gw?.journal.isOpen) await gw.journal.close();
    gw = null;
  });

  it('a part that throws in stop() is logged by name, and the others and the journal still stop', async () => {
    const { config } = testConfig();
    const { log, lines } = capturedLog();
    gw = await startGateway(config, { log });
    const ports = { http: gw.httpPort, mqtt: gw.broker.port };
    const radio = await connectMqtt(ports.mqtt, 'radio-2001', { clientId: 'radio-2001-stop' });
    radio.on('error', () => undefined);
    await radio.publishAsync('tw/v1/radio/2001/status', JSON.stringify({ value: 1 }), { qos: 1 });
    // The evidence part stops midway through the order: parts before and after it must stop.
    vi.spyOn(gw.evidence, 'stop').mockRejectedValue(new Error('evidence store unmounted'));

    await expect(gw.stop()).resolves.toBeUndefined();

    const failed = lines.find((l) => l.msg === 'part failed to stop; stopping the next');
    expect(failed).toMatchObject({ part: 'evidence', err: { message: 'evidence store unmounted' } });
    expect(lines.some((l) => l.msg === 'gateway stopped')).toBe(true);
    await expectFullyStopped(gw, ports, config.gateway.journal.path);
    radio.end(true);
  });

  it('a part whose stop() hangs is given up on after the timeout, and the rest still stop', async () => {
    const { config } = testConfig();
    const { log, lines } = capturedLog();
    gw = await startGateway(config, { log, partStopTimeoutMs: 300 });
    const ports = { http: gw.httpPort, mqtt: gw.broker.port };
    vi.spyOn(gw.cctv, 'stop').mockReturnValue(new Promise<void>(() => undefined));

    await gw.stop();

    expect(lines.find((l) => l.msg === 'part did not stop in time; stopping the next')).toMatchObject({ part: 'cctv', timeoutMs: 300 });
    await expectFullyStopped(gw, ports, config.gateway.journal.path);
  });

  it('stops the parts in the reverse of their start order, the journal last', async () => {
    const { config } = testConfig();
    gw = await startGateway(config);
    const order: string[] = [];
    const journalClose = gw.journal.close.bind(gw.journal);
    vi.spyOn(gw.journal, 'close').mockImplementation(() => {
      order.push('journal');
      return journalClose();
    });
    const brokerStop = gw.broker.stop.bind(gw.broker);
    vi.spyOn(gw.broker, 'stop').mockImplementation(() => {
      order.push('broker');
      return brokerStop();
    });
    const retentionStop = gw.retention.stop.bind(gw.retention);
    vi.spyOn(gw.retention, 'stop').mockImplementation(() => {
      order.push('retention');
      retentionStop();
    });

    await gw.stop();

    // Started journal → broker → … → retention: stopped the other way round.
    expect(order).toEqual(['retention', 'broker', 'journal']);
  });

  it('a start that fails part-way stops what it had started, so nothing is left bound', async () => {
    const { config } = testConfig();
    const { log, lines } = capturedLog();
    gw = new Gateway(config, { log });
    vi.spyOn(gw.evidence, 'start').mockRejectedValue(new Error('no space for the evidence store'));

    await expect(gw.start()).rejects.toThrow('no space for the evidence store');

    expect(lines.find((l) => l.msg === 'part failed to start; stopping the parts already started')).toMatchObject({ part: 'evidence' });
    expect(gw.journal.isOpen).toBe(false);
    expect(gw.httpPort).toBe(0);
    expect(gw.broker.listening).toBe(false);
  });
});
