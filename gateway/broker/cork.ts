import type { Duplex } from 'node:stream';

/**
 * Writes to a connection leave together in one `writev`, for at most `CORK_MAX_MS`, or the
 * rest of the event loop's turn if that comes first. mqtt-packet corks a socket only until the
 * next tick, so a subscriber of many publishers (the control room's software, a bridge)
 * otherwise gets one system call per message, and at a few thousand messages a second those
 * calls were a fifth of the broker thread's time. Corking for a whole turn cost latency instead:
 * a busy turn reads hundreds of packets, and the first one forwarded waited for the last. So the
 * first write after the bound uncorks what waits, and at 5,000 messages a second a subscriber
 * still gets a few messages per system call.
 */
const CORK_MAX_MS = 1;

const corked = new Set<Duplex>();
let flushScheduled = false;
let corkedAt = 0;

function flush(): void {
  for (const stream of corked) stream.uncork();
  corked.clear();
}

function flushAtTurnEnd(): void {
  flushScheduled = false;
  flush();
}

export function corkPerTurn(stream: Duplex): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]): boolean => {
    if (corked.size > 0 && performance.now() - corkedAt >= CORK_MAX_MS) flush();
    if (!corked.has(stream) && !stream.destroyed) {
      if (corked.size === 0) corkedAt = performance.now();
      corked.add(stream);
      stream.cork();
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAtTurnEnd);
      }
    }
    return write(...args);
  }) as Duplex['write'];
}
