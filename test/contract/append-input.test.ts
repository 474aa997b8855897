/**
 * The write side of the catalogue: `AppendInput` is typed by event type, so an append whose
 * payload is not its type's fails to compile (`npx tsc` runs over test/ too). Each
 * `@ts-expect-error` below is itself checked: if the compiler stopped refusing the append, the
 * directive would be unused and tsc would fail.
 */
import { describe, expect, it } from 'vitest';
import { EVENTS, type EventPayload } from '../../gateway/contract/events';
import type { AppendInput, DistributiveOmit } from '../../gateway/journal/types';

describe('AppendInput', () => {
  it('takes an event type with its own payload, and refuses another type’s or a malformed one', () => {
    const fix: AppendInput = {
      source: 'test',
      type: 'radio.position',
      subject: 'radio:2001',
      payload: { issi: 2001, lat: 52.95, lon: -1.15, fixTime: '2026-01-01T00:00:00Z' },
    };
    const ack: AppendInput = { source: 'api', type: 'emergency.acknowledged', actor: 'controller', payload: { emergencyId: 'em-1', unitId: 'u-01' } };
    const refused: unknown[] = [
      // @ts-expect-error a type the catalogue lacks
      { source: 'test', type: 'radio.positon', payload: {} } satisfies AppendInput,
      // @ts-expect-error a position without its fix time
      { source: 'test', type: 'radio.position', payload: { issi: 2001, lat: 52.95, lon: -1.15 } } satisfies AppendInput,
      // @ts-expect-error another type's payload
      { source: 'api', type: 'emergency.acknowledged', payload: { alertId: 'a-1', unitIds: [] } } satisfies AppendInput,
      // @ts-expect-error a field the catalogue does not know
      { source: 'api', type: 'breach.acknowledged', payload: { breachId: 'b-1', note: null, by: 'x' } } satisfies AppendInput,
    ];
    const partial: DistributiveOmit<AppendInput<'cbo.expired'>, 'source'> = {
      type: 'cbo.expired',
      payload: { cboId: 'c-1', subjectId: 's-1', expiresAt: '2026-01-01' },
    };
    // The payloads typed here are what the catalogue's schemas accept.
    expect(EVENTS['radio.position'].payload.safeParse(fix.payload).success).toBe(true);
    expect(EVENTS['emergency.acknowledged'].payload.safeParse(ack.payload).success).toBe(true);
    expect(EVENTS['cbo.expired'].payload.safeParse(partial.payload satisfies EventPayload<'cbo.expired'>).success).toBe(true);
    expect(refused).toHaveLength(4);
  });
});
