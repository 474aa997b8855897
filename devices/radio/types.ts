// The normalised events a radio adapter emits, whatever the bearer (PEI serial today). Their
// schemas are the contract's (gateway/contract/radio.ts): the journal stores them as they are
// and types their payloads with the same definitions.
import { RadioEvent } from '../../gateway/contract/radio';

export { RawRecord, Ssi, RadioEvent, type RadioEventOf, type RadioEventType } from '../../gateway/contract/radio';

/**
 * The event if it satisfies the schema, else a radio.malformed carrying its raw record:
 * a decoder that produced, say, a latitude of 91 must not put it on the map.
 */
export function validateEvent(ev: RadioEvent): RadioEvent {
  const checked = RadioEvent.safeParse(ev);
  if (checked.success) return checked.data;
  const issues = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return { type: 'radio.malformed', reason: `decoded ${ev.type} failed validation: ${issues}`, raw: 'raw' in ev ? ev.raw : {} };
}
