import { describe, expect, it } from 'vitest';
import { formatZodError } from '../../config/errors';
import { parseConfigValue } from '../../config/load';
import { ConfigSchema } from '../../config/schema';
import { FAKE_HASH, issuesOf, minimalDoc, square } from './helpers';

type Doc = ReturnType<typeof minimalDoc>;
const issuesFor = (edit: (doc: Doc) => void): readonly string[] => {
  const doc = minimalDoc();
  edit(doc);
  return issuesOf(() => parseConfigValue(doc, {}));
};

describe('radio defaults (issue 21)', () => {
  it('a site without its own status map treats status 0, the TETRA emergency status, as an emergency', () => {
    const doc = minimalDoc() as Record<string, unknown>;
    delete (doc.radio as Record<string, unknown>).statusCodes;
    const cfg = parseConfigValue(doc, {});
    expect(cfg.radio.statusCodes['0']).toMatchObject({ emergency: true });
    expect(cfg.units.every((u) => u.bearer === 'mqtt')).toBe(true);
  });

  it("a control station's talkgroups must exist, and optional commands look like AT+ commands", () => {
    const doc = minimalDoc() as Record<string, unknown>;
    (doc.radio as Record<string, unknown>).controlStations = [
      { id: 'pei-1', serialPath: '/dev/ttyUSB0', talkgroups: ['tg-nope'], optionalCommands: ['reboot'] },
    ];
    expect(() => parseConfigValue(doc, {})).toThrow(/radio\.controlStations\.0\.optionalCommands\.0: an AT\+ command/);
  });

  it("a control station's ISSI ranges default to none (any ISSI) and must be ordered", () => {
    const doc = minimalDoc() as Record<string, unknown>;
    (doc.radio as Record<string, unknown>).controlStations = [{ id: 'pei-1', serialPath: '/dev/ttyUSB0' }];
    expect(parseConfigValue(doc, {}).radio.controlStations[0]?.issiRanges).toEqual([]);
    (doc.radio as Record<string, unknown>).controlStations = [
      {
        id: 'pei-1',
        serialPath: '/dev/ttyUSB0',
        issiRanges: [
          [2001, 2999],
          [4000, 3000],
        ],
      },
    ];
    expect(() => parseConfigValue(doc, {})).toThrow(/radio\.controlStations\.0\.issiRanges\.1: from is after to/);
  });
});

describe('ConfigSchema basics', () => {
  it('accepts the minimal document', () => {
    const parsed = ConfigSchema.safeParse(minimalDoc());
    expect(parsed.success ? [] : formatZodError(parsed.error)).toEqual([]);
  });

  it('rejects a plain password where a hash belongs', () => {
    expect(issuesFor((d) => ((d.accounts[0] ?? {}).passwordHash = 'controller-demo'))).toEqual([
      'accounts.0.passwordHash: must be a scrypt hash "scrypt$N$r$p$<salt>$<hash>", never a plain password',
    ]);
  });

  it('validates site fields', () => {
    const issues = issuesFor((d) => {
      d.site.id = 'Test Town';
      d.site.timezone = 'Europe/Londinium';
      d.site.mode = 'staging';
    });
    expect(issues.map((l) => l.split(':')[0])).toEqual(['site.id', 'site.timezone', 'site.mode']);
  });

  it('requires closed polygons of at least 4 points', () => {
    expect(issuesFor((d) => d.zones[0]?.polygon.pop())).toEqual(['zones.0.polygon: polygon must be closed: the last point must equal the first']);
    expect(issuesFor((d) => d.zones[0]?.polygon.splice(1, 2))[0]).toMatch(/^zones\.0\.polygon: a polygon needs at least 4 points/);
  });

  it('checks status code keys are 16-bit decimals', () => {
    const issues = issuesFor((d) => {
      d.radio.statusCodes = { '70000': { state: 'busy', label: 'x' }, abc: { state: 'busy', label: 'y' } };
    });
    expect(issues).toEqual([
      'radio.statusCodes.70000: invalid key: status codes are 16-bit decimal integers (0-65535)',
      'radio.statusCodes.abc: invalid key: status codes are 16-bit decimal integers (0-65535)',
    ]);
  });

  it('rejects non-positive walking times and out-of-range docks', () => {
    const issues = issuesFor((d) => {
      for (const z of d.zones) (z.neighbours[0] ?? {}).walkSeconds = 0;
      (d.docks[0] ?? {}).bays = 25;
    });
    expect(issues.map((l) => l.split(':')[0])).toEqual(['zones.0.neighbours.0.walkSeconds', 'zones.1.neighbours.0.walkSeconds', 'docks.0.bays']);
  });
});

describe('account role rules', () => {
  it('requires consoleRole for console accounts and forbids it elsewhere', () => {
    expect(issuesFor((d) => delete (d.accounts[0] ?? {}).consoleRole)).toEqual(['accounts.0.consoleRole: required for role "console"']);
    expect(issuesFor((d) => ((d.accounts[1] ?? {}).consoleRole = 'controller'))).toEqual(['accounts.1.consoleRole: not allowed except for role "console"']);
  });

  it('requires issi for handsets, premisesId for shops and members, dockId for docks', () => {
    expect(issuesFor((d) => delete (d.accounts[1] ?? {}).issi)).toEqual(['accounts.1.issi: required for role "handset"']);
    expect(issuesFor((d) => d.accounts.push({ username: 'm1', role: 'console', consoleRole: 'member', passwordHash: FAKE_HASH }))).toEqual([
      'accounts.3.premisesId: required for role "shop-terminal" and consoleRole "member"',
    ]);
    expect(issuesFor((d) => d.accounts.push({ username: 'dock-a', role: 'dock', passwordHash: FAKE_HASH }))).toEqual([
      'accounts.3.dockId: required for role "dock"',
    ]);
  });

  it('requires ordered issiRanges for a control station', () => {
    const cs = { username: 'radio-gw', role: 'control-station', passwordHash: FAKE_HASH };
    expect(issuesFor((d) => d.accounts.push(cs))).toEqual(['accounts.3.issiRanges: required for role "control-station"']);
    expect(
      issuesFor((d) =>
        d.accounts.push({
          ...cs,
          issiRanges: [
            [3000, 3999],
            [5000, 4000],
          ],
        }),
      ),
    ).toEqual(['accounts.3.issiRanges.1: from 5000 is after to 4000']);
  });
});

describe('cross-references', () => {
  it('checks every reference resolves', () => {
    const issues = issuesFor((d) => {
      (d.premises[0] ?? {}).zone = 'east';
      (d.cameras[0] ?? {}).zone = 'west';
      (d.units[0] ?? {}).talkgroups = ['tg-a', 'tg-b'];
      (d.accounts[2] ?? {}).premisesId = 'shop-z';
      d.accounts.push({ username: 'dock-x', role: 'dock', dockId: 'dock-x', passwordHash: FAKE_HASH });
    });
    expect(issues).toEqual([
      'premises.0.zone: unknown zone "east"',
      'cameras.0.zone: unknown zone "west"',
      'units.0.talkgroups.1: unknown talkgroup "tg-b"',
      'accounts.2.premisesId: unknown premises "shop-z"',
      'accounts.3.dockId: unknown dock "dock-x"',
    ]);
  });

  it('requires neighbour links to be symmetric with equal walks', () => {
    expect(issuesFor((d) => (d.zones[1] ? (d.zones[1].neighbours = []) : undefined))).toEqual([
      'zones.0.neighbours.0.zone: zone "south" does not list "north" as a neighbour (walks must be symmetric)',
    ]);
    expect(issuesFor((d) => ((d.zones[1]?.neighbours[0] ?? {}).walkSeconds = 120))).toEqual([
      'zones.0.neighbours.0.walkSeconds: 90 but zones.1.neighbours.0.walkSeconds is 120 (walks must be symmetric)',
    ]);
    expect(issuesFor((d) => d.zones[0]?.neighbours.push({ zone: 'north', walkSeconds: 60 }))).toEqual([
      'zones.0.neighbours.1.zone: a zone cannot be its own neighbour',
    ]);
  });

  it('requires unique ids, usernames and ISSIs', () => {
    const issues = issuesFor((d) => {
      d.zones.push({ id: 'north', name: 'North again', polygon: square(3), neighbours: [] });
      d.accounts.push({ username: 'controller', role: 'console', consoleRole: 'engineer', passwordHash: FAKE_HASH });
      d.units.push({ id: 'u2', callsign: 'PC 2', role: 'police', issi: 3001 });
    });
    expect(issues).toEqual([
      'zones.2.id: duplicate zone "north" (also zones.0)',
      'accounts.3.username: duplicate username "controller" (also accounts.0)',
      'units.1.issi: duplicate ISSI 3001 (also units.0)',
    ]);
  });

  it('requires a handset ISSI to belong to a unit, once', () => {
    expect(issuesFor((d) => ((d.accounts[1] ?? {}).issi = 3999))).toEqual(['accounts.1.issi: ISSI 3999 does not belong to any configured unit']);
    expect(issuesFor((d) => d.accounts.push({ username: 'radio-dup', role: 'handset', issi: 3001, passwordHash: FAKE_HASH }))).toEqual([
      'accounts.3.issi: ISSI 3001 already has a handset account (accounts.1)',
    ]);
  });

  it('does not run reference checks on malformed shapes', () => {
    const issues = issuesFor((d) => {
      (d.zones[0] ?? { neighbours: [] }).neighbours = 'south' as unknown as [];
      (d.premises[0] ?? {}).zone = 'nowhere';
    });
    expect(issues).toEqual(['zones.0.neighbours: Invalid input: expected array, received string']);
  });
});
