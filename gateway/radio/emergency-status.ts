import type { Config } from '../../config/schema';

/**
 * The status values the site's config marks as an emergency (TETRA's 0, the emergency button, by
 * default). A `radio.status` carrying one is an emergency although its type does not say so: its
 * source marks the append `urgent`, so it is committed ahead of any backlog (journal/lanes.ts).
 */
export function emergencyStatusValues(config: Config): ReadonlySet<number> {
  return new Set(
    Object.entries(config.radio.statusCodes)
      .filter(([, code]) => code.emergency)
      .map(([value]) => Number(value)),
  );
}
