import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PROJECT_ROOT } from '../../config/root';
import type { Config } from '../../config/schema';
import type { SiteInfo } from '../contract/api';
import { can } from '../contract/policy';
import type { ConsoleRole } from '../contract/roles';
import type { Projections } from '../projections';
import { Errors } from './errors';
import { op } from './openapi';

/** Where `npm run build:console` writes the web app. */
export const CONSOLE_DIST = join(PROJECT_ROOT, 'console', 'dist');

/** Paths that belong to other servers on this port (WebSocket upgrades, probes): never the SPA. */
const NOT_THE_CONSOLE = /^\/(api|socket\.io|video|mqtt|healthz|readyz|metrics)(\/|$)/;

/**
 * The site as the console draws it, from the config (no tile server on the internet needed).
 * Without a config (an HTTP app built on its own) the cameras and units come from the projections.
 */
export function siteFor(role: ConsoleRole | null, config: Config | undefined, projections: Projections): SiteInfo {
  // The operational layers (units, cameras, talkgroups) go to roles that see the live picture.
  const operational = can(role, 'live.view');
  const cameras = projections.cameras.snapshot().map((c) => ({
    // rtspUrl stays on the gateway: it may carry the camera's credentials.
    id: c.id,
    name: c.name,
    zone: c.zone,
    position: c.position,
    bearingDeg: c.bearingDeg,
    fovDeg: c.fovDeg,
    rangeM: c.rangeM,
    ptz: c.ptz,
  }));
  const units = config
    ? config.units.map((u) => ({ id: u.id, callsign: u.callsign, role: u.role, issi: u.issi, talkgroups: [...u.talkgroups] }))
    : projections.units.snapshot().map((u) => ({ id: u.id, callsign: u.callsign, role: u.role, issi: u.issi, talkgroups: [] }));
  return {
    site: config ? { id: config.site.id, name: config.site.name, timezone: config.site.timezone } : { id: 'site', name: 'Townwatch', timezone: 'UTC' },
    zones: (config?.zones ?? []).map((z) => ({ id: z.id, name: z.name, polygon: z.polygon, neighbours: z.neighbours })),
    premises: (config?.premises ?? []).map((p) => ({ id: p.id, name: p.name, zone: p.zone, position: p.position, kind: p.kind ?? null })),
    cameras: operational ? cameras : [],
    talkgroups: operational ? (config?.talkgroups ?? []).map((t) => ({ id: t.id, gssi: t.gssi, name: t.name })) : [],
    units: operational ? units : [],
    statusCodes: Object.entries(config?.radio.statusCodes ?? {}).map(([value, c]) => ({
      value: Number(value),
      state: c.state,
      label: c.label,
      emergency: c.emergency ?? false,
    })),
    incidentGrades: operational ? (config?.incidents.grades ?? []).map((g) => ({ id: g.id, label: g.label, targetMinutes: g.targetMinutes })) : [],
    console: { tileUrl: config?.console.tileUrl ?? null, tileAttribution: config?.console.tileAttribution ?? null },
  };
}

/**
 * The console: `GET /api/site`, the built web app at `/`, and the single-page fallback (any
 * other GET that is not an API or a socket path gets index.html, so `/alerts` can be bookmarked).
 */
export async function registerConsoleRoutes(app: FastifyInstance, deps: { config?: Config; projections: Projections; consoleDir?: string }): Promise<void> {
  const dir = deps.consoleDir ?? CONSOLE_DIST;
  app.get('/api/site', { schema: op('site', 'The town as the console draws it (what the role may see)') }, async (req) => ({
    data: siteFor(req.principal?.consoleRole ?? null, deps.config, deps.projections),
  }));

  // Registered even before the first build (wildcard routes look files up per request).
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: true,
    suppressWarning: true,
    setHeaders: (res, path) => {
      // Vite puts content hashes in asset names: those never change; index.html always may.
      void res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_THE_CONSOLE.test(path) || /\.[a-z0-9]+$/i.test(path)) {
      throw Errors.notFound(`${req.method} ${path}`);
    }
    if (!existsSync(join(dir, 'index.html'))) {
      return reply.status(503).type('text/plain').send('The console is not built: run `npm run build:console`.\n');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dir);
  });
}
