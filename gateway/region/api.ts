import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { regionRoutePolicy, type RegionRoutePolicy } from '../contract/policy';
import { declareRoutePolicies, matchedPolicy } from '../http/route-policy';
import type { TokenAuth } from './auth';
import { chainBreaks, incidentsOf, regionMetrics, searchSubjects, sightingsOf, siteSummaries, withdrawalsOf } from './queries';

declare module 'fastify' {
  interface FastifyRequest {
    tokenName: string | null;
  }
}

const SiteId = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
const Limit = z.coerce.number().int().min(1).max(500).default(100);
const SearchQuery = z.strictObject({ q: z.string().trim().min(2).max(200), limit: Limit });
const LimitQuery = z.strictObject({ limit: Limit });

class RegionApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const message = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new RegionApiError(400, 'TW_INVALID', message);
}

/**
 * The regional REST API: cross-town subject search, each site's position in its chain and its
 * lag, chain breaks, incidents and breaches. Every `/api` route needs an API token (the access
 * policy's `REGION_ROUTES`; a route it does not name fails startup, and the guard decides on the
 * route the router matched, never on the raw URL). Built
 * without listening, so tests can `inject()` or listen on port 0.
 */
export async function buildRegionHttp(deps: { pool: Pool; auth: TokenAuth; log: Logger; ready?: () => { ready: boolean; detail: Record<string, unknown> } }) {
  const app = Fastify({ loggerInstance: deps.log, logController: new LogController({ disableRequestLogging: true }) });
  app.decorateRequest('tokenName', null);
  declareRoutePolicies(app as unknown as FastifyInstance, regionRoutePolicy, 'gateway/contract/policy.ts REGION_ROUTES');

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply: FastifyReply) => {
    if (err instanceof RegionApiError) return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'request failed');
    return reply.status(status).send({ error: { code: err.code ?? 'TW_INTERNAL', message: status === 500 ? 'internal error' : err.message } });
  });

  app.addHook('onRequest', async (req) => {
    const policy = matchedPolicy<RegionRoutePolicy>(req);
    // No route matched: fastify's 404, which serves nothing.
    if (policy === undefined || policy === 'public') return;
    req.tokenName = await deps.auth.authenticate(req.headers.authorization);
    if (!req.tokenName) throw new RegionApiError(401, 'TW_UNAUTHENTICATED', 'an API token is required: Authorization: Bearer <name>:<token>');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Ready only while subscribed: a load balancer or orchestrator must not count an instance that hears nothing.
  app.get('/readyz', async (_req, reply) => {
    const r = deps.ready?.() ?? { ready: true, detail: {} };
    return reply.status(r.ready ? 200 : 503).send(r);
  });

  // Site ids only, no personal data: scraped without a token, like the gateway's own /metrics.
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(await regionMetrics(deps.pool)));

  app.get('/api/subjects', async (req) => {
    const q = parse(SearchQuery, req.query);
    // Who searched for whom is itself personal data processing: keep it in the log.
    req.log.info({ token: req.tokenName, q: q.q }, 'subject search');
    return { data: await searchSubjects(deps.pool, q.q, q.limit) };
  });

  app.get<{ Params: { siteId: string; subjectId: string } }>('/api/sites/:siteId/subjects/:subjectId/sightings', async (req) => {
    const siteId = parse(SiteId, req.params.siteId);
    const { limit } = parse(LimitQuery, req.query);
    req.log.info({ token: req.tokenName, siteId, subjectId: req.params.subjectId }, 'subject sightings viewed');
    return { data: await sightingsOf(deps.pool, siteId, req.params.subjectId.slice(0, 64), limit) };
  });

  app.get('/api/sites', async () => ({ data: await siteSummaries(deps.pool) }));

  app.get<{ Params: { siteId: string } }>('/api/sites/:siteId/chain-breaks', async (req) => ({
    data: await chainBreaks(deps.pool, parse(SiteId, req.params.siteId)),
  }));

  app.get<{ Params: { siteId: string } }>('/api/sites/:siteId/incidents', async (req) => {
    const { limit } = parse(LimitQuery, req.query);
    return { data: await incidentsOf(deps.pool, parse(SiteId, req.params.siteId), limit) };
  });

  app.get<{ Params: { siteId: string } }>('/api/sites/:siteId/withdrawals', async (req) => ({
    data: await withdrawalsOf(deps.pool, parse(SiteId, req.params.siteId)),
  }));

  return app;
}

export type RegionHttp = Awaited<ReturnType<typeof buildRegionHttp>>;
