import { Duplex } from 'node:stream';
import type { StreamMessage } from './thread-protocol';

type Send = (message: StreamMessage) => void;

/** How long a connection the broker closed may take to write its last bytes. */
const LINGER_MS = 2_000;

/** Bytes as their own small array: a pooled Buffer would post its whole 8 KiB pool. */
const own = (chunk: Buffer | Uint8Array): Uint8Array => new Uint8Array(chunk);

/**
 * The broker thread's end of a relayed connection: a Duplex aedes reads and writes as it would
 * a socket, its bytes carried by messages to the main thread, which holds the real connection
 * (`ConnectionRelays`). A write completes when the main thread has written it (backpressure
 * reaches aedes as from a socket); when aedes stops reading, the main thread pauses the source.
 */
export class RelayedStream extends Duplex {
  /** Read by the broker for refusal records and rate limits, as on a TCP socket. */
  readonly remoteAddress: string;
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  private paused = false;

  constructor(
    private readonly sid: number,
    address: string,
    private readonly send: Send,
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = address;
  }

  /** Bytes from the peer. */
  deliver(chunks: Uint8Array[]): void {
    let more = true;
    for (const c of chunks) more = this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    if (!more && !this.paused) {
      this.paused = true;
      this.send({ kind: 'stream-pause', sid: this.sid });
    }
  }

  /** The main thread wrote the last chunks. */
  written(): void {
    const done = this.pendingWrite;
    this.pendingWrite = null;
    done?.();
  }

  /** The peer ended its side. */
  ended(): void {
    this.push(null);
  }

  override _read(): void {
    if (!this.paused) return;
    this.paused = false;
    this.send({ kind: 'stream-resume', sid: this.sid });
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (err?: Error | null) => void): void {
    this.pendingWrite = done;
    this.send({ kind: 'stream-data', sid: this.sid, chunks: chunks.map((c) => own(c.chunk)) });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.pendingWrite = done;
    this.send({ kind: 'stream-data', sid: this.sid, chunks: [own(chunk)] });
  }

  override _final(done: (err?: Error | null) => void): void {
    this.send({ kind: 'stream-end', sid: this.sid });
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.pendingWrite = null;
    this.send({ kind: 'stream-destroy', sid: this.sid });
    done(err);
  }
}

/**
 * The main thread's end: connections it accepted (MQTT over WebSocket, MQTT over TLS), each
 * relayed to a `RelayedStream` in the broker thread.
 */
export class ConnectionRelays {
  private readonly streams = new Map<number, Duplex>();
  private nextSid = 1;

  constructor(private readonly send: Send) {}

  open(stream: Duplex, address: string): void {
    const sid = this.nextSid++;
    this.streams.set(sid, stream);
    this.send({ kind: 'stream-open', sid, address });
    stream.on('data', (chunk: Buffer) => this.send({ kind: 'stream-data', sid, chunks: [own(chunk)] }));
    stream.on('end', () => this.send({ kind: 'stream-end', sid }));
    stream.on('error', () => stream.destroy()); // the broker hears of it as the close below
    stream.on('close', () => {
      if (!this.streams.delete(sid)) return;
      this.send({ kind: 'stream-destroy', sid });
    });
  }

  /** A message about one of these connections from the broker thread. */
  onMessage(m: StreamMessage): void {
    const stream = this.streams.get(m.sid);
    if (!stream) return;
    switch (m.kind) {
      case 'stream-data': {
        const last = m.chunks.length - 1;
        m.chunks.forEach((c, i) => stream.write(c, i === last ? () => this.send({ kind: 'stream-ack', sid: m.sid }) : undefined));
        return;
      }
      case 'stream-pause':
        stream.pause();
        return;
      case 'stream-resume':
        stream.resume();
        return;
      case 'stream-end':
        stream.end();
        return;
      case 'stream-destroy':
        this.streams.delete(m.sid);
        // What the broker wrote last (a CONNACK refusing the login) may still be on its way
        // through TLS or WebSocket framing: end after it, and drop the connection either way.
        stream.end(() => stream.destroy());
        setTimeout(() => stream.destroy(), LINGER_MS).unref();
        return;
      case 'stream-ack':
      case 'stream-open':
        return;
    }
  }

  /** Every relayed connection, ended (the broker thread has stopped). */
  closeAll(): void {
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
  }
}
