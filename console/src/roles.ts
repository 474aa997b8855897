import type { ConsoleRole } from '../../gateway/contract/roles';

/**
 * What each console role is shown. The gateway enforces every permission on its own (each API
 * call checks the role); this only keeps people from seeing buttons they may not press.
 */
export type PanelId = 'map' | 'incidents' | 'tracking' | 'cameras' | 'alerts' | 'evidence' | 'hotspots' | 'log' | 'premises';

export interface Panel {
  id: PanelId;
  path: string;
  label: string;
}

export const PANELS: readonly Panel[] = [
  { id: 'map', path: '/map', label: 'Map' },
  { id: 'incidents', path: '/incidents', label: 'Incidents' },
  { id: 'tracking', path: '/tracking', label: 'Tracking' },
  { id: 'cameras', path: '/cameras', label: 'Cameras' },
  { id: 'alerts', path: '/alerts', label: 'Alerts' },
  { id: 'evidence', path: '/evidence', label: 'Evidence' },
  { id: 'hotspots', path: '/hotspots', label: 'Hotspots' },
  { id: 'log', path: '/log', label: 'Live log' },
  { id: 'premises', path: '/premises', label: 'My premises' },
];

const VISIBLE: Record<ConsoleRole, readonly PanelId[]> = {
  controller: ['map', 'incidents', 'tracking', 'cameras', 'alerts', 'evidence', 'hotspots', 'log'],
  'cctv-operator': ['map', 'cameras', 'tracking', 'incidents', 'log'],
  'security-manager': ['map', 'evidence', 'incidents', 'log'],
  police: ['map', 'incidents', 'tracking', 'alerts', 'evidence', 'hotspots', 'log'],
  engineer: ['map', 'cameras', 'log'],
  member: ['premises'],
};

export function panelsFor(role: string | null): Panel[] {
  const ids = role && role in VISIBLE ? VISIBLE[role as ConsoleRole] : [];
  return ids.map((id) => PANELS.find((p) => p.id === id)!);
}

/** Actions, by the roles the gateway's application API allows them to. */
export const may = {
  respondToEmergency: (role: string | null) => role === 'controller',
  seeEmergencies: (role: string | null) => role !== null && role !== 'member',
  sendAlert: (role: string | null) => role === 'controller',
  handleEvidence: (role: string | null) => role === 'security-manager' || role === 'police',
  /** Report a sighting (TRACKERS in gateway/api/tracking-common.ts). */
  reportSighting: (role: string | null) => ['controller', 'police', 'cctv-operator', 'security-manager'].includes(role ?? ''),
  /** Acknowledge CBO breach alarms and link sightings to subjects (BREACH_RESPONDERS). */
  respondToBreach: (role: string | null) => ['controller', 'police', 'cctv-operator'].includes(role ?? ''),
  /** Grade incidents and dispatch units (DISPATCHERS). */
  dispatch: (role: string | null) => role === 'controller',
  /** Rank units and close incidents (OFFICERS). */
  closeIncident: (role: string | null) => role === 'controller' || role === 'police',
  /** Search the gallery of subjects (roles with full access; members see what is shared). */
  searchSubjects: (role: string | null) => ['controller', 'police', 'cctv-operator', 'security-manager'].includes(role ?? ''),
  /** Report for a premises (REPORTERS). */
  report: (role: string | null) => role === 'member' || role === 'controller',
  /** Roles that get the live stream at all (the gateway sends members nothing). */
  live: (role: string | null) => role !== null && role !== 'member',
};
