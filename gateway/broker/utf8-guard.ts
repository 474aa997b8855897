import { isUtf8 } from 'node:buffer';

/**
 * MQTT 3.1.1 strings must be well-formed UTF-8 ([MQTT-1.5.3-1]) without U+0000
 * ([MQTT-1.5.3-2]); a receiver closes the connection of a client that sends otherwise.
 * mqtt-packet decodes every string with `toString('utf8')`, which silently turns bad bytes into
 * U+FFFD, so by the time aedes sees a topic the evidence is gone. We check the bytes where the
 * string is read (`_parseString`: topics, topic filters, client ids, usernames) and make that
 * read fail, which mqtt-packet reports as a parse error and aedes answers by closing the
 * connection. Like packet-limit.ts this reaches into mqtt-packet's Parser internals
 * (`_parseString`, `_pos`, `_list`), stable across its 9.x line.
 */
interface ParserInternals {
  _parseString: (maybeBuffer?: unknown) => string | null;
  _pos: number;
  _list: { slice: (start: number, end: number) => Buffer };
  packet: { cmd?: string };
}

export type BadStringKind = 'invalid-utf8' | 'null-character';

/** What is wrong with these string bytes, or null when they are a valid MQTT string. */
export function badMqttString(bytes: Buffer): BadStringKind | null {
  if (!isUtf8(bytes)) return 'invalid-utf8';
  if (bytes.includes(0)) return 'null-character';
  return null;
}

export function guardStrings(client: unknown, onBad: (kind: BadStringKind, cmd: string) => void): void {
  const parser = (client as { _parser?: ParserInternals })._parser;
  if (!parser || typeof parser._parseString !== 'function') {
    throw new Error('mqtt-packet parser internals changed: cannot check strings are UTF-8');
  }
  const parseString = parser._parseString;
  parser._parseString = function checkedParseString(this: ParserInternals, ...args: [unknown?]): string | null {
    const start = this._pos;
    const result = parseString.apply(this, args);
    // Cheap first: a valid string decodes without U+FFFD or U+0000 unless it really holds them.
    if (result === null || !(result.includes('\uFFFD') || result.includes('\u0000'))) return result;
    const bad = badMqttString(this._list.slice(start + 2, this._pos)); // after the 2-byte length
    if (!bad) return result;
    onBad(bad, this.packet.cmd ?? 'unknown');
    return null; // mqtt-packet then emits its parse error ("Cannot parse topic"…)
  };
}
