import type { Duplex } from 'node:stream';

/**
 * Writes to a connection within one turn of the event loop leave in one `writev`. mqtt-packet
 * corks a socket only until the next tick, so a subscriber of many publishers (the control
 * room's software, a bridge) otherwise gets one system call per message, and at a few thousand
 * messages a second those calls were a fifth of the broker thread's time. The cost is at most
 * the rest of the current turn before the bytes leave.
 */
const corked = new Set<Duplex>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const stream of corked) stream.uncork();
  corked.clear();
}

export function corkPerTurn(stream: Duplex): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]): boolean => {
    if (!corked.has(stream) && !stream.destroyed) {
      corked.add(stream);
      stream.cork();
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    }
    return write(...args);
  }) as Duplex['write'];
}
