import type { AppendInput, UntypedAppendInput } from '../../gateway/journal/types';

/**
 * An append whose type or payload the catalogue (gateway/contract/events.ts) does not have: a
 * test of the journal or the uplink journals stand-ins (`test.n`, a position without its fix
 * time). The journal stores whatever it is given; the gateway's own code appends `AppendInput`,
 * which the compiler checks against the catalogue, so the cast is here, in tests only.
 */
export function untyped(input: UntypedAppendInput): AppendInput {
  return input as AppendInput;
}
