import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/**
 * A bare MQTT 3.1.1 connection for what MQTT.js will not send: an empty client id with
 * CleanSession=0, oversize or truncated packets.
 */
export class RawMqtt {
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  readonly packets: Packet[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => this.parser.parse(d));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
    this.parser.on('packet', (p) => this.packets.push(p));
  }

  static async open(port: number): Promise<RawMqtt> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawMqtt(socket);
  }

  send(packet: Parameters<typeof mqttPacket.generate>[0]): void {
    this.socket.write(mqttPacket.generate(packet));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async next(cmd: string, timeoutMs = 3000): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.packets.findIndex((p) => p.cmd === cmd);
      if (i >= 0) return this.packets.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no ${cmd} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A CONNECT packet (MQTT 3.1.1, §3.1) built by hand, field by field. */
export function connectBytes(o: { clientId: string; clean: boolean; username?: string; password?: string; keepalive?: number }): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const flags = (o.username !== undefined ? 0x80 : 0) | (o.password !== undefined ? 0x40 : 0) | (o.clean ? 0x02 : 0);
  const keepalive = o.keepalive ?? 30;
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, keepalive >> 8, keepalive & 0xff]),
    str(o.clientId),
    ...(o.username !== undefined ? [str(o.username)] : []),
    ...(o.password !== undefined ? [str(o.password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** The variable-length "remaining length" of the fixed header (§2.2.3). */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}
