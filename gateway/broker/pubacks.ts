import type { Duplex } from 'node:stream';

/** A PUBACK waiting for its message's commit, and for those that came in before it. */
export interface HeldAck {
  readonly messageId: number;
  ready: boolean;
}

/** A connection with more unacknowledged than this waits for its commits before reading on. */
const MAX_HELD = 256;

/** PUBACK (MQTT 3.1.1 §3.4): type 4, remaining length 2, the packet identifier. */
function pubackBytes(messageId: number): Buffer {
  return Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);
}

/**
 * QoS 1 acknowledgements written by the broker itself once each message is committed. Each
 * connection's PUBACKs go out in the order its PUBLISHes came in, as MQTT requires
 * ([MQTT-4.6.0-2]), even when a later one (an emergency, in the urgent lane) commits first: a
 * PUBACK is written once it and every one before it are ready.
 */
export class PubAcks<Client extends object> {
  private readonly lines = new WeakMap<Client, HeldAck[]>();

  constructor(private readonly connection: (client: Client) => Duplex) {}

  /** Takes the next place in `client`'s line. */
  reserve(client: Client, messageId: number): HeldAck {
    let line = this.lines.get(client);
    if (!line) {
      line = [];
      this.lines.set(client, line);
    }
    const ack: HeldAck = { messageId, ready: false };
    line.push(ack);
    return ack;
  }

  /** Whether `client` has too many waiting to take on more without waiting itself. */
  full(client: Client): boolean {
    return (this.lines.get(client)?.length ?? 0) > MAX_HELD;
  }

  /** `ack`'s message is committed: write it, and any after it that were only waiting for it. */
  ready(client: Client, ack: HeldAck): void {
    ack.ready = true;
    const line = this.lines.get(client);
    if (!line) return;
    const conn = this.connection(client);
    while (line.length > 0 && line[0]!.ready) {
      const next = line.shift()!;
      if (!conn.destroyed && conn.writable) conn.write(pubackBytes(next.messageId));
    }
  }

  /** `ack` is acknowledged some other way (by aedes, or not at all): it holds nobody up. */
  forget(client: Client, ack: HeldAck): void {
    const line = this.lines.get(client);
    const i = line?.indexOf(ack) ?? -1;
    if (i < 0) return;
    line!.splice(i, 1);
    if (i === 0 && line!.length > 0 && line![0]!.ready) this.ready(client, line![0]!);
  }
}
