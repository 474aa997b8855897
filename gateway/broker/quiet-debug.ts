import { createRequire } from 'node:module';

/** The part of the `debug` package's factory this module uses. */
interface DebugFactory {
  (namespace: string): (...args: unknown[]) => void;
  enabled(namespace: string): boolean;
}

/**
 * mqtt-packet, which parses and writes every MQTT packet aedes handles, calls `debug(...)` about
 * a dozen times per packet. A disabled `debug` returns at once, but each call first gathers its
 * arguments into a new array: on 2026-12-08, at 5,000 messages a second, that was 12 % of what
 * the broker thread allocated and 5–7 % of its CPU. So, before aedes is loaded, the `debug`
 * factory that mqtt-packet (and anything else this thread loads later) will get is swapped for
 * one that gives each namespace `DEBUG` does not enable a function that does nothing. Namespaces
 * `DEBUG` does enable get the real `debug`, so `DEBUG=mqtt-packet:*` shows them as before;
 * enabling one later, from code, does not. Other threads keep their own modules, untouched.
 *
 * Returns whether the swap was made: false when mqtt-packet was already loaded (too late) or
 * the packages are not where Node would find them.
 */
export function quietDisabledDebug(): boolean {
  const here = createRequire(import.meta.url);
  let mqttPacket: string;
  let path: string;
  try {
    mqttPacket = here.resolve('mqtt-packet');
    path = createRequire(mqttPacket).resolve('debug');
  } catch {
    return false;
  }
  // One module cache per thread, whichever require looks at it.
  if (here.cache[mqttPacket]) return false;
  const real = here(path) as DebugFactory;
  const cached = here.cache[path];
  if (!cached) return false;
  const silent = (namespace: string) =>
    Object.assign(() => {}, { namespace, enabled: false, log: () => {}, extend: (sub: string) => quiet(`${namespace}:${sub}`) });
  const quiet = Object.assign((namespace: string) => (real.enabled(namespace) ? real(namespace) : silent(namespace)), real);
  cached.exports = quiet;
  return true;
}
