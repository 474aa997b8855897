import { createHash } from 'node:crypto';
import { readlink, stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import { FileContent, fileSha256 } from '../../../simulators/dock/content';
import { openPtyPair } from '../../../simulators/dock/pty';

describe('simulated footage', () => {
  it('reads the same bytes at any offset and in any chunking, and fileSha256 agrees', async () => {
    const size = 200_003;
    const c = new FileContent(5, 'BWC1', 'a.mp4', size);
    const whole = c.read(0, size);
    expect(whole.length).toBe(size);
    const h = createHash('sha256');
    for (let at = 0; at < size; at += 777) h.update(new FileContent(5, 'BWC1', 'a.mp4', size).read(at, 777));
    expect(h.digest('hex')).toBe(await fileSha256(5, 'BWC1', 'a.mp4', size));
    expect(c.read(150_000, 10)).toEqual(whole.subarray(150_000, 150_010));
    // SLIP's special bytes turn up, so escaping is exercised.
    expect(whole.includes(0xc0) && whole.includes(0xdb)).toBe(true);
  });

  it('differs by seed, camera and name, and a corrupt copy differs in one byte', async () => {
    const a = await fileSha256(1, 'BWC1', 'a.mp4', 5000);
    expect(await fileSha256(2, 'BWC1', 'a.mp4', 5000)).not.toBe(a);
    expect(await fileSha256(1, 'BWC2', 'a.mp4', 5000)).not.toBe(a);
    expect(await fileSha256(1, 'BWC1', 'b.mp4', 5000)).not.toBe(a);
    const good = new FileContent(1, 'BWC1', 'a.mp4', 5000).read(0, 5000);
    const bad = new FileContent(1, 'BWC1', 'a.mp4', 5000, 2500).read(0, 5000);
    expect([...good].filter((b, i) => b !== bad[i])).toHaveLength(1);
  });
});

describe('PTY pair', () => {
  const open = (path: string): Promise<SerialPort> =>
    new Promise((resolve, reject) => {
      const p = new SerialPort({ path, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(p)));
    });
  const close = (ports: SerialPort[]): Promise<unknown> => Promise.all(ports.map((p) => new Promise((resolve) => p.close(resolve))));
  const roundTrip = async (from: SerialPort, to: SerialPort, text: string): Promise<string> => {
    const got = new Promise<Buffer>((resolve) => to.once('data', resolve));
    from.write(Buffer.from(text));
    return (await got).toString();
  };

  it('carries bytes, and after pull/restore the same path leads to a new pair', { timeout: 10_000 }, async () => {
    const pty = await openPtyPair();
    try {
      expect(await readlink(pty.gatewayPath)).toMatch(/^\/dev\/pts\/\d+$/);
      const gw = await open(pty.gatewayPath);
      const dock = await open(pty.dockPath);
      expect(await roundTrip(dock, gw, 'hello')).toBe('hello');

      // serialport may not notice a hung-up PTY (it can spin on zero-byte reads), so the sign of
      // a pulled cable that the gateway relies on is the device node going away.
      await pty.pull();
      expect(pty.connected).toBe(false);
      await expect(stat(pty.gatewayPath)).rejects.toThrow(/ENOENT/);
      await close([gw, dock]);

      await pty.restore();
      expect(pty.connected).toBe(true);
      const gw2 = await open(pty.gatewayPath);
      const dock2 = await open(pty.dockPath);
      expect(await roundTrip(gw2, dock2, 'again')).toBe('again');
      await close([gw2, dock2]);
    } finally {
      await pty.close();
    }
  });

  it('says how to install socat when it is missing', async () => {
    await expect(openPtyPair({ socat: '/nonexistent/socat' })).rejects.toThrow('socat not found: apt-get install -y socat');
  });
});
