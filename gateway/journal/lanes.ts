import type { AppendInput } from './types';

/**
 * Which appends go in the journal's urgent lane: committed in their own small batch ahead of
 * everything queued, so a panic button is never behind a backlog of position fixes. Pure.
 * Emergencies from MQTT and from the TETRA control station (PEI) both arrive as
 * `radio.emergency`; the control room's own decisions about them are `emergency.*`.
 */
export function isUrgent(input: Pick<AppendInput, 'type' | 'urgent'>): boolean {
  return input.urgent === true || input.type === 'radio.emergency' || input.type.startsWith('emergency.');
}
