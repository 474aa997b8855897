import { SlipEncoder } from '@serialport/parser-slip-encoder';
import { encodeFrame } from './frame';

/**
 * Frames in, SLIP bytes out: pipe it into the port. Each frame is also preceded by an END
 * (RFC 1055's advice, the encoder's "bluetoothQuirk") so noise on an idle line becomes its own
 * bad packet instead of corrupting the next frame. Output chunks are one packet each, which
 * lets a fault injector in the simulator act per frame.
 */
export class FrameWriter extends SlipEncoder {
  constructor() {
    super({ bluetoothQuirk: true, readableObjectMode: true });
  }

  writeFrame(type: number, seq: number, payload?: Buffer, ver?: number): boolean {
    return this.write(encodeFrame(type, seq, payload, ver));
  }
}
