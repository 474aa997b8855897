import type { EventType } from './events';

/**
 * Narrows an event to one type (or several), e.g. `if (isEvent(e, 'radio.position')) e.payload?.lat`:
 * a journal event, or the console's copy of one. On its own (without the catalogue's schemas) so
 * the console can use it without bundling zod.
 */
export function isEvent<E extends { type: string }, K extends EventType>(e: E, ...types: K[]): e is Extract<E, { type: K }> {
  return (types as readonly string[]).includes(e.type);
}
