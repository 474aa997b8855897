import type { ExcludedUnit } from './tracking-views';

/**
 * Why a unit is left out of a ranking, in the words a controller reads next to its callsign:
 * "on another incident (TW-2026-000004)", "no fix for 12 min", "in emergency". The gateway
 * decides the reason (gateway/tracking/dispatch.ts); this only says it, for the console.
 */

const STATE_WORDS: Record<string, string> = {
  busy: 'busy',
  'off-duty': 'off duty',
  'en-route': 'en route',
  'on-scene': 'on scene',
};

/** Seconds as a controller says them: "40 s", "12 min", "3 h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

export function excludedWords(x: ExcludedUnit): string {
  switch (x.reason) {
    case 'emergency':
      return 'in emergency';
    case 'on-incident':
      return `on another incident (${x.incidentReference ?? x.incidentId ?? 'unknown'})`;
    case 'not-available':
      return x.state ? (STATE_WORDS[x.state] ?? x.state) : 'not available';
    case 'lost-contact':
      return x.sinceSeconds !== undefined ? `lost contact: nothing heard for ${duration(x.sinceSeconds)}` : 'lost contact';
    case 'offline':
      return 'radio offline';
    case 'no-fix':
      return x.sinceSeconds !== undefined ? `no fix for ${duration(x.sinceSeconds)}` : 'no fix yet';
    case 'unreachable':
      return 'no walking route from where it is';
  }
}
