import { EVENTS, type EventPrivacy, type EventType } from '../contract/events';

/**
 * Every event type the gateway journals, with what in it can identify or locate a person: the
 * header's `subject` when it names one (`subject:<id>`, hashed into the chain, so it cannot be
 * minimised), the payload fields that name or describe a person, and the positions. Derived from
 * the one catalogue of event types (gateway/contract/events.ts, `privacy`). The uplink test
 * (test/uplink/catalogue.test.ts) walks it against the uplink rules, and fails on a type whose
 * personal data would leave the site for an unshared subject; it also fails when the gateway
 * journals a type the catalogue lacks, so a new event type must be thought about.
 */
export type CatalogueEntry = EventPrivacy;

export const EVENT_CATALOGUE: Readonly<Record<EventType, CatalogueEntry>> = Object.fromEntries(
  Object.entries(EVENTS).map(([type, spec]) => [type, spec.privacy]),
) as Record<EventType, CatalogueEntry>;
