import type { z } from 'zod';
import type { BaseConfigSchema } from './schema';

/**
 * Checks that span collections: ids are unique, references resolve, the walking graph is
 * symmetric. Zod skips this refinement after any type error, so the code here can trust
 * the shapes; unknown keys do not stop it, so those and reference errors arrive together.
 */

type BaseConfig = z.output<typeof BaseConfigSchema>;
type Ctx = z.RefinementCtx<BaseConfig>;
type Path = (string | number)[];

export function checkReferences(cfg: BaseConfig, ctx: Ctx): void {
  const report = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

  const zones = uniqueIndex(cfg.zones, 'zones', 'zone', (z) => z.id, report);
  const premises = uniqueIndex(cfg.premises, 'premises', 'premises', (p) => p.id, report);
  uniqueIndex(cfg.cameras, 'cameras', 'camera', (c) => c.id, report);
  const talkgroups = uniqueIndex(cfg.talkgroups, 'talkgroups', 'talkgroup', (t) => t.id, report);
  uniqueIndex(cfg.units, 'units', 'unit', (u) => u.id, report);
  const docks = uniqueIndex(cfg.docks, 'docks', 'dock', (d) => d.id, report);
  uniqueIndex(cfg.accounts, 'accounts', 'username', (a) => a.username, report, 'username');
  uniqueIndex(cfg.talkgroups, 'talkgroups', 'GSSI', (t) => t.gssi, report, 'gssi');
  const unitIssis = uniqueIndex(cfg.units, 'units', 'ISSI', (u) => u.issi, report, 'issi');

  checkNeighbours(cfg, zones, report);

  cfg.premises.forEach((p, i) => {
    if (!zones.has(p.zone)) report(['premises', i, 'zone'], `unknown zone "${p.zone}"`);
  });
  cfg.cameras.forEach((c, i) => {
    if (!zones.has(c.zone)) report(['cameras', i, 'zone'], `unknown zone "${c.zone}"`);
  });
  cfg.units.forEach((u, i) => {
    u.talkgroups.forEach((tg, j) => {
      if (!talkgroups.has(tg)) report(['units', i, 'talkgroups', j], `unknown talkgroup "${tg}"`);
    });
  });
  cfg.radio.controlStations.forEach((s, i) => {
    s.talkgroups.forEach((tg, j) => {
      if (!talkgroups.has(tg)) report(['radio', 'controlStations', i, 'talkgroups', j], `unknown talkgroup "${tg}"`);
    });
  });

  const handsetIssis = new Map<number, number>();
  cfg.accounts.forEach((a, i) => {
    if (a.premisesId !== undefined && !premises.has(a.premisesId)) report(['accounts', i, 'premisesId'], `unknown premises "${a.premisesId}"`);
    if (a.dockId !== undefined && !docks.has(a.dockId)) report(['accounts', i, 'dockId'], `unknown dock "${a.dockId}"`);
    if (a.role === 'handset' && a.issi !== undefined) {
      if (!unitIssis.has(a.issi)) report(['accounts', i, 'issi'], `ISSI ${a.issi} does not belong to any configured unit`);
      // Two logins for one radio would let either impersonate the other's position reports.
      const first = handsetIssis.get(a.issi);
      if (first !== undefined) report(['accounts', i, 'issi'], `ISSI ${a.issi} already has a handset account (accounts.${first})`);
      else handsetIssis.set(a.issi, i);
    }
  });
}

/** Map from key to first index; later duplicates are reported at `<collection>.<i>.<field>`. */
function uniqueIndex<T, K>(
  items: readonly T[],
  collection: string,
  what: string,
  key: (item: T) => K,
  report: (path: Path, message: string) => void,
  field = 'id',
): Map<K, number> {
  const seen = new Map<K, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else report([collection, i, field], `duplicate ${what} ${JSON.stringify(k)} (also ${collection}.${first})`);
  });
  return seen;
}

/**
 * Walking times feed dispatch ranking, which assumes A→B costs the same as B→A; a one-sided
 * entry is almost always a forgotten edit, so it is an error rather than a directed edge.
 */
function checkNeighbours(cfg: BaseConfig, zones: Map<string, number>, report: (path: Path, message: string) => void): void {
  cfg.zones.forEach((zone, i) => {
    const listed = new Set<string>();
    zone.neighbours.forEach((n, j) => {
      const here: Path = ['zones', i, 'neighbours', j];
      if (n.zone === zone.id) return report([...here, 'zone'], 'a zone cannot be its own neighbour');
      if (listed.has(n.zone)) return report([...here, 'zone'], `zone "${n.zone}" is listed twice`);
      listed.add(n.zone);
      const k = zones.get(n.zone);
      const other = k === undefined ? undefined : cfg.zones[k];
      if (k === undefined || !other) return report([...here, 'zone'], `unknown zone "${n.zone}"`);
      const m = other.neighbours.findIndex((b) => b.zone === zone.id);
      const back = other.neighbours[m];
      if (!back) {
        report([...here, 'zone'], `zone "${n.zone}" does not list "${zone.id}" as a neighbour (walks must be symmetric)`);
      } else if (back.walkSeconds !== n.walkSeconds && i < k) {
        // Reported once, on the earlier zone, so one mistake is one line.
        report([...here, 'walkSeconds'], `${n.walkSeconds} but zones.${k}.neighbours.${m}.walkSeconds is ${back.walkSeconds} (walks must be symmetric)`);
      }
    });
  });
}
