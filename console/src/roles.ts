import { can } from '../../gateway/contract/policy';
import type { ConsoleRole } from '../../gateway/contract/roles';

/**
 * What each console role is shown. The gateway enforces every permission on its own (each API
 * call checks the role); this only keeps people from seeing buttons they may not press.
 */
export type PanelId =
  'map' | 'incidents' | 'tracking' | 'cameras' | 'alerts' | 'messages' | 'evidence' | 'hotspots' | 'subjects' | 'log' | 'premises' | 'bulletins' | 'people';

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
  { id: 'messages', path: '/messages', label: 'Messages' },
  { id: 'evidence', path: '/evidence', label: 'Evidence' },
  { id: 'hotspots', path: '/hotspots', label: 'Hotspots' },
  { id: 'subjects', path: '/subjects', label: 'Subjects' },
  { id: 'log', path: '/log', label: 'Live log' },
  { id: 'premises', path: '/premises', label: 'My premises' },
  { id: 'bulletins', path: '/bulletins', label: 'To members' },
  { id: 'people', path: '/people', label: 'People' },
];

const VISIBLE: Record<ConsoleRole, readonly PanelId[]> = {
  controller: ['map', 'incidents', 'tracking', 'cameras', 'alerts', 'messages', 'evidence', 'hotspots', 'subjects', 'log', 'bulletins'],
  'cctv-operator': ['map', 'cameras', 'tracking', 'incidents', 'log'],
  'security-manager': ['map', 'evidence', 'incidents', 'log', 'people'],
  police: ['map', 'incidents', 'tracking', 'alerts', 'messages', 'evidence', 'hotspots', 'subjects', 'log', 'bulletins'],
  engineer: ['map', 'cameras', 'log'],
  member: ['premises'],
};

export function panelsFor(role: string | null): Panel[] {
  const ids = role && role in VISIBLE ? VISIBLE[role as ConsoleRole] : [];
  return ids.map((id) => PANELS.find((p) => p.id === id)!);
}

/**
 * Actions, from the gateway's access policy (gateway/contract/policy.ts): the same table the
 * gateway enforces, so a button shows exactly when the call behind it would be allowed.
 */
export const may = {
  respondToEmergency: (role: string | null) => can(role, 'emergency.respond'),
  seeEmergencies: (role: string | null) => can(role, 'emergency.view'),
  sendAlert: (role: string | null) => can(role, 'alert.send'),
  /** Read the conversations with units. */
  readMessages: (role: string | null) => can(role, 'message.view'),
  /** Reply to a unit from its conversation. */
  sendText: (role: string | null) => can(role, 'message.send'),
  handleEvidence: (role: string | null) => can(role, 'evidence.handle'),
  /** Record a clip from a live camera into evidence. */
  recordClip: (role: string | null) => can(role, 'cctv.record'),
  /** Bookmark a moment on a camera. */
  markCamera: (role: string | null) => can(role, 'cctv.mark'),
  reportSighting: (role: string | null) => can(role, 'sighting.report'),
  /** Acknowledge CBO breach alarms and link sightings to subjects. */
  respondToBreach: (role: string | null) => can(role, 'breach.respond'),
  /** Grade incidents and dispatch units. */
  dispatch: (role: string | null) => can(role, 'incident.dispatch'),
  /** Rank units and close incidents. */
  closeIncident: (role: string | null) => can(role, 'incident.manage'),
  /** See who called about an incident (asked of the incident's record, never in the live picture). */
  seeCaller: (role: string | null) => can(role, 'incident.caller'),
  /** Take a call: open an incident from the control room. */
  openIncident: (role: string | null) => can(role, 'incident.manage'),
  /** Search the gallery of subjects with full access (members see only what is shared, in their own panel). */
  searchSubjects: (role: string | null) => can(role, 'subjects.identity'),
  /** Share a subject with members until an expiry, and withdraw him. */
  shareSubjects: (role: string | null) => can(role, 'subjects.share'),
  /** Report for a premises. */
  report: (role: string | null) => can(role, 'report.create'),
  /** Add people, set their role and premises, reset passwords, disable accounts. */
  managePeople: (role: string | null) => can(role, 'people.manage'),
  /** Live video on the camera wall (an engineer sees the cameras' health only). */
  watchVideo: (role: string | null) => can(role, 'video.watch'),
  /** Roles that get the live stream at all (the gateway sends members nothing). */
  live: (role: string | null) => can(role, 'live.view'),
  /** Send bulletins and alerts to member premises. */
  sendBulletin: (role: string | null) => can(role, 'bulletin.send'),
  /** Get the bulletins sent to one's own premises, live (members: their only stream). */
  receiveBulletins: (role: string | null) => can(role, 'bulletin.receive'),
  /** Replay the map at a past time (positions then are personal data: not every live role). */
  replay: (role: string | null) => can(role, 'replay.view'),
};
