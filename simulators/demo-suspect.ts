import type { SubjectView } from '../gateway/contract/tracking';
import type { ConsoleClient } from './scenarios/console-client';

/**
 * The demo's known suspect, recorded by the police over the application API as an officer
 * would: a subject shared with members, on the watch list, under a CBO that keeps him out of
 * the town centre's shopping streets. Found again after a restart (the journal keeps him), so
 * the demo never records him twice.
 */

export const DEMO_SUSPECT = {
  status: 'known',
  name: 'Dean Harker',
  aliases: ['Deano'],
  dob: '1996-03-14',
  description: 'White male, late 20s, tall and thin, green parka with the hood up, black tracksuit bottoms, white trainers',
  features: ['build:thin', 'clothing:green-parka', 'footwear:white-trainers'],
  markers: ['shoplifting'],
} as const;

/** Where his order keeps him out: every zone a demo camera or the member's shop sees him in. */
export const DEMO_EXCLUDED_ZONES = ['market-square', 'high-street-north', 'high-street-south', 'bridge-street', 'victoria-centre', 'bus-station'];

const DAY_MS = 86_400_000;
/** Members see him this long; shared again when less than a day is left. */
const SHARE_DAYS = 30;

export interface DemoSuspect {
  subjectId: string;
  name: string;
}

/** An order that applies now: issued or extended, started, not expired. */
function inForce(c: SubjectView['cbos'][number], now: number): boolean {
  return (c.state === 'issued' || c.state === 'extended') && Date.parse(c.startsAt) <= now && Date.parse(c.expiresAt) > now;
}

/** Finds the demo suspect or records him; shares him, watches him and puts him under an order as needed. */
export async function ensureDemoSuspect(police: ConsoleClient, zones: readonly string[]): Promise<DemoSuspect> {
  const name = DEMO_SUSPECT.name;
  const found = await police.get<SubjectView[]>(`/api/subjects?q=${encodeURIComponent(name)}&limit=50`);
  let subject = found.find((s) => s.name === name) ?? (await police.post<SubjectView>('/api/subjects', DEMO_SUSPECT));
  const now = Date.now();
  const until = subject.sharedWithMembersUntil ? Date.parse(subject.sharedWithMembersUntil) : subject.sharedWithMembers ? Infinity : 0;
  if (until - now < DAY_MS) {
    subject = await police.post<SubjectView>(`/api/subjects/${subject.id}/share`, {
      until: new Date(now + SHARE_DAYS * DAY_MS).toISOString(),
      note: 'Prolific shop thief under a CBO: members, call it in if he comes in',
    });
  }
  if (!subject.watch) {
    subject = await police.post<SubjectView>(`/api/subjects/${subject.id}/watch`, { reason: 'CBO in force; steals to order from town-centre shops' });
  }
  const excluded = zones.filter((z) => DEMO_EXCLUDED_ZONES.includes(z));
  if (!subject.cbos.some((c) => inForce(c, now)) && excluded.length > 0) {
    await police.post('/api/cbos', {
      subjectId: subject.id,
      kind: 'cbo',
      state: 'issued',
      reference: `DT/${new Date(now).getFullYear()}/0117`,
      conditions: 'Must not enter the town centre shopping streets (Market Square, High Street, Bridge Street, Victoria Centre, Bus Station).',
      excludedZones: excluded,
      startsAt: new Date(now - DAY_MS).toISOString(),
      expiresAt: new Date(now + 365 * DAY_MS).toISOString(),
      sharedWithMembers: true,
    });
  }
  return { subjectId: subject.id, name };
}
