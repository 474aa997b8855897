// Shared helpers for the radio tests: byte fixtures are written as commented hex, and
// this turns them into Buffers.

/** Concatenate hex fragments; spaces are ignored so bytes can be grouped by field. */
export function hex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
}

/** LIP short reports worked out by hand in lip.test.ts; hex exactly as a radio prints it. */
export const LIP_FIXTURES = {
  /** Old Market Square, Nottingham; PTT; 5 km/h heading east. */
  nottingham: '0A0FF2EA625A7CC90A8030',
  /** Cambridge; emergency; speed, position error and fix age unknown. */
  cambridge: '0A300162CA51FAFFFE0020',
  /** Sydney: both signs negative-capable; 92 km/h on the logarithmic scale; 225°. */
  sydney: '0A16B86D067EA5FB794810',
} as const;
