// Bytes to the control station. Commands end with CR only (V.250); the CMGS command is
// followed by CR LF, the user data as hex, and Ctrl-Z, which is what submits the SDS.
import { CTRL_Z } from './constants';

export function formatCommand(command: string): Buffer {
  if (/[\r\n\x1a]/.test(command)) throw new Error(`command contains a line terminator: ${JSON.stringify(command)}`);
  return Buffer.from(`${command}\r`, 'latin1');
}

export function cmgsCommand(called: number, bits: number): string {
  return `AT+CMGS=${called},${bits}`;
}

/** Hex of exactly the octets that hold `bits`, upper case as radios print it. */
export function pduToHex(pdu: Buffer, bits: number): string {
  const octets = Math.ceil(bits / 8);
  if (pdu.length < octets) throw new RangeError(`PDU of ${pdu.length} octets cannot hold ${bits} bits`);
  return pdu.subarray(0, octets).toString('hex').toUpperCase();
}

/** The CMGS command line; the MT answers with the `> ` prompt. */
export function formatCmgsHead(called: number, bits: number): Buffer {
  return Buffer.from(`${cmgsCommand(called, bits)}\r\n`, 'latin1');
}

/** User data after the prompt, terminated by Ctrl-Z. */
export function formatCmgsBody(pdu: Buffer, bits: number): Buffer {
  return Buffer.concat([Buffer.from(pduToHex(pdu, bits), 'latin1'), Buffer.from([CTRL_Z])]);
}

/** Whole submission in one write, for MTs that take the data without prompting. */
export function formatCmgs(called: number, pdu: Buffer, bits: number): Buffer {
  return Buffer.concat([formatCmgsHead(called, bits), formatCmgsBody(pdu, bits)]);
}
