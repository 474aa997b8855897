import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { defaultConfigPath, loadConfig, parseConfigValue } from '../../config/load';
import { PROJECT_ROOT } from '../../config/root';
import { EXTERNAL_TOPICS, TOPICS } from '../../gateway/contract/topics';
import { EVENT_CATALOGUE } from '../../gateway/uplink/catalogue';
import { UplinkPolicy } from '../../gateway/uplink/minimise';

/**
 * Walks every event type the gateway journals against the uplink rules a site runs with (the
 * schema's defaults and the demo town's file). For each, a payload whose personal fields and
 * positions are filled with sentinels, about a subject who is not shared regionally: nothing
 * personal and no exact position may leave. A type the gateway journals but the catalogue does
 * not list fails too, so a new event type cannot slip past the rules unconsidered.
 */

const PII = 'PII-SENTINEL';
// In the demo town's market-square zone, with a precision no zone has.
const LON = -1.1502731;
const LAT = 52.9551234;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'dist' || name === 'node_modules' ? [] : walk(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Every type the gateway journals: literals in its code, device topics, and the templated families. */
function emittedTypes(): string[] {
  const found = new Set<string>();
  for (const file of walk(join(PROJECT_ROOT, 'gateway'))) {
    // The region reads types, it never journals them; the catalogue is the list itself.
    if (file.includes('/region/') || file.includes('/contract/') || file.endsWith('/uplink/catalogue.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/type: '([a-z][a-z0-9-]*\.[a-z0-9.-]+)'/g)) found.add(m[1]!);
    // Writers that take the type as an argument (gateway/radio/emergency-watch.ts) or choose between two.
    for (const m of text.matchAll(/append\(\s*'([a-z][a-z0-9-]*\.[a-z0-9.-]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/type: [^,\n]*\? '([a-z][a-z0-9-]*\.[a-z0-9.-]+)' : '([a-z][a-z0-9-]*\.[a-z0-9.-]+)'/g)) found.add(m[1]!).add(m[2]!);
  }
  for (const t of [...TOPICS, ...EXTERNAL_TOPICS]) if (t.direction === 'in') found.add(t.name);
  // `camera.${change}` (gateway/cctv/health-watch.ts) and `cbo.${state}` (gateway/api/subjects-api.ts).
  for (const t of ['camera.online', 'camera.offline', 'cbo.warning', 'cbo.issued', 'cbo.extended', 'cbo.revoked']) found.add(t);
  return [...found].sort();
}

function set(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = root;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]!] = value;
}

/** A payload about an unshared subject: sentinels in every personal field, exact positions everywhere. */
function sample(type: string): Record<string, unknown> {
  const entry = EVENT_CATALOGUE[type as keyof typeof EVENT_CATALOGUE];
  const p: Record<string, unknown> = { sharedRegionally: false };
  for (const f of entry.personal) set(p, f, `${PII}-${f}`);
  for (const f of entry.positions) {
    if (f === '.') Object.assign(p, { lat: LAT, lon: LON });
    else if (/lonLat$|position$|gps$/.test(f) && !f.endsWith('last')) set(p, f, [LON, LAT]);
    else set(p, f, { lat: LAT, lon: LON });
  }
  // Wherever a rule looks for the sharing flag, it says "not shared".
  set(p, 'sighting.sharedRegionally', false);
  return p;
}

const demo = loadConfig(defaultConfigPath);
const withoutUplink = YAML.parse(readFileSync(defaultConfigPath, 'utf8')) as Record<string, unknown>;
delete withoutUplink.uplink;
const schemaDefaults = parseConfigValue(withoutUplink).uplink;
const configs = [
  { name: 'schema defaults', uplink: schemaDefaults, zones: demo.zones },
  { name: 'demo town', uplink: demo.uplink, zones: demo.zones },
];

describe('the event catalogue', () => {
  it('lists every event type the gateway journals', () => {
    const missing = emittedTypes().filter((t) => !(t in EVENT_CATALOGUE));
    expect(missing, 'journaled types with no catalogue entry: add them to gateway/contract/events.ts with their payload and personal fields').toEqual([]);
  });

  for (const { name, uplink, zones } of configs) {
    it(`leaves nothing personal and no exact position in any event about an unshared subject (${name})`, () => {
      // Every type is tried as if the site let all types out: the rules, not the type list, must hold.
      const everything = new UplinkPolicy({ ...uplink, eventTypes: ['*'] }, zones);
      const asConfigured = new UplinkPolicy(uplink, zones);
      const leaks: string[] = [];
      for (const [type, entry] of Object.entries(EVENT_CATALOGUE)) {
        const header = entry.header === 'subject' ? `subject:${PII}` : entry.header === 'other' ? 'radio:2001' : null;
        for (const [label, policy] of [
          ['configured', asConfigured],
          ['all types', everything],
        ] as const) {
          const out = policy.outcome(type, JSON.stringify(sample(type)), header);
          if (out.kind === 'link') continue;
          if (entry.header === 'subject') leaks.push(`${type} (${label}): header names an unshared subject but leaves as an event`);
          const text = out.payload ?? '';
          if (text.includes(PII)) leaks.push(`${type} (${label}): ${text.match(/PII-SENTINEL-[\w.]+/g)!.join(', ')} leave(s)`);
          if (text.includes(String(LAT)) || text.includes(String(LON))) leaks.push(`${type} (${label}): an exact position leaves`);
        }
      }
      expect(leaks).toEqual([]);
    });
  }

  it('keeps what a shared subject may show, with positions as zones', () => {
    const policy = new UplinkPolicy(demo.uplink, demo.zones);
    const payload = {
      type: 'update',
      sighting: { subjectId: 's-1', description: 'red cap', position: [LON, LAT], sharedRegionally: true, reporter: 'op-1' },
      after: { subjectId: 's-1', last: { position: [LON, LAT] } },
    };
    const out = policy.outcome('track.sighting', JSON.stringify(payload), 'subject:s-1');
    expect(out).toMatchObject({ kind: 'event', mode: 'minimised' });
    const sent = JSON.parse((out as { payload: string }).payload) as typeof payload & { sighting: { zone: string }; after: { last: { zone: string } } };
    expect(sent.sighting).toMatchObject({ subjectId: 's-1', description: 'red cap', zone: 'market-square' });
    expect(sent.sighting).not.toHaveProperty('reporter');
    expect(sent.after.last).toEqual({ zone: 'market-square' });
  });

  it('lets a configured type keep exact positions', () => {
    const policy = new UplinkPolicy({ ...demo.uplink, eventTypes: ['*'], minimise: [], exactPositions: ['radio.position'] }, demo.zones);
    const text = JSON.stringify({ lat: LAT, lon: LON });
    expect(policy.outcome('radio.position', text, 'radio:1')).toEqual({ kind: 'event', mode: 'full', payload: text, dropped: [] });
    expect(policy.outcome('unit.lost-contact', JSON.stringify({ last: { lat: LAT, lon: LON } }), 'unit:u1')).toMatchObject({
      mode: 'minimised',
      dropped: ['last.lat', 'last.lon'],
    });
  });
});
