/**
 * aedes has no maximum packet size: mqtt-packet would buffer a 256 MB PUBLISH whole. We cap
 * it where the length is first known, in the parser's remaining-length state, and close the
 * connection (MQTT 3.1.1 has no way to refuse a single packet). This reaches into
 * mqtt-packet's Parser (`_parseLength`, `packet.length`), which is stable across its 9.x line.
 */
interface ParserInternals {
  _parseLength: () => boolean;
  packet: { length: number; cmd?: string };
  emit: (event: 'error', err: Error) => boolean;
}

export function limitPacketSize(client: unknown, maxBytes: number, onOversize: (size: number) => void): void {
  const parser = (client as { _parser?: ParserInternals })._parser;
  if (!parser || typeof parser._parseLength !== 'function') {
    throw new Error('mqtt-packet parser internals changed: cannot enforce maxPacketSize');
  }
  const parseLength = parser._parseLength;
  parser._parseLength = function guardedParseLength(this: ParserInternals): boolean {
    const done = parseLength.call(this);
    if (done && this.packet.length > maxBytes) {
      onOversize(this.packet.length);
      this.emit('error', new Error(`packet of ${this.packet.length} bytes exceeds maxPacketSize ${maxBytes}`));
      return false;
    }
    return done;
  };
}
