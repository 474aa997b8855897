import cookie from '@fastify/cookie';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchemaValidationError } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import type { AppApi } from '../api/app-api';
import type { Accounts, LoginOutcome, Principal } from '../auth/accounts';
import type { PeopleApi } from '../api/people-api';
import { SESSION_COOKIE, type Sessions } from '../auth/sessions';
import { LoginBody, PageQuery, type SessionInfo } from '../contract/api';
import { PASSWORD_CHANGE_REQUIRED } from '../contract/people';
import { StateQuery } from '../contract/tracking';
import { actingRole, mayCall, PERMISSIONS, routePolicy, type Permission } from '../contract/policy';
import type { Journal } from '../journal/journal';
import type { Metrics } from '../metrics';
import { journalFor, snapshotFor, type Projections } from '../projections';
import { registerConsoleRoutes } from './console-routes';
import { Csrf } from './csrf';
import { ApiError, Errors } from './errors';
import { securityHeaders } from './security-headers';
import { registerCctvRoutes } from '../cctv/routes';
import { registerEvidenceRoutes } from './evidence-routes';
import { registerLogRoutes } from './log-routes';
import { registerPeopleRoutes } from './people-routes';
import { registerRadioRoutes } from './radio-routes';
import { registerBulletinRoutes } from '../members/bulletin-routes';
import { registerReplayRoutes } from './replay-routes';
import { registerTrackingRoutes } from './tracking-routes';
import { op, OPEN, registerOpenApi, registerOpenApiRoutes } from './openapi';
import { declareRoutePolicies, matchedPolicy } from './route-policy';
import { validationDetails } from './validate';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The version the OpenAPI document carries: the REST API's, not the package's. */
export const API_VERSION = '1.0.0';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
  detail?: Record<string, unknown>;
}

export interface HttpDeps {
  api: AppApi;
  accounts: Accounts;
  /** People administration (`/api/users`) and password changes at login. */
  people: PeopleApi;
  sessions: Sessions;
  journal: Journal;
  projections: Projections;
  metrics: Metrics;
  readiness: () => Readiness;
  log: Logger;
  /** Cookie `Secure` flag: on behind TLS. */
  secureCookies: boolean;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP without. */
  https?: { cert: Buffer; key: Buffer };
  sessionTtlMinutes: number;
  /** The site config, for `GET /api/site` (zones, premises… as the console draws them). */
  config?: Config;
  /** The built console (default `console/dist`); tests may point elsewhere. */
  consoleDir?: string;
}

async function tokenPrincipal(req: FastifyRequest, deps: HttpDeps): Promise<Principal | null> {
  const auth = req.headers.authorization;
  const m = auth?.match(/^Bearer ([^:\s]+):(\S+)$/);
  if (!m) return null;
  const outcome = await deps.accounts.tokenLogin(m[1]!, m[2]!, req.ip);
  if (outcome.ok) return outcome.principal;
  // Bad tokens count towards the login lockouts; the lockout is journaled when it begins.
  for (const l of outcome.reason === 'bad-credentials' ? outcome.lockouts : []) {
    deps.metrics.securityEvents.inc({ kind: 'lockout' });
    await deps.journal.append({
      source: 'http',
      type: 'security.lockout',
      subject: l.scope === 'username' ? `account:${m[1]!.slice(0, 64)}` : null,
      payload: { scope: l.scope, key: l.key, failures: l.failures, lockedForMs: l.ms, ip: req.ip, via: 'api-token' },
    });
  }
  return null;
}

/**
 * Builds the HTTP application (no listening: tests use `inject()` or listen on port 0).
 * Who may call each route is the access policy's (contract/policy.ts `HTTP_ROUTES`): a route
 * it does not name fails startup, and the guard decides on the route the router matched.
 */
export async function buildHttp(deps: HttpDeps) {
  const tls = deps.https;
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    // An https.Server serves requests (and upgrades) as an http.Server does; fastify's types only know the latter here.
    ...(tls
      ? {
          serverFactory: (handler: Parameters<typeof createHttpsServer>[1]) =>
            createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) as unknown as Server,
        }
      : {}),
  });
  await app.register(cookie);
  app.decorateRequest('principal', null);
  const csrf = new Csrf();
  declareRoutePolicies(app as unknown as FastifyInstance, routePolicy, 'gateway/contract/policy.ts HTTP_ROUTES');
  // Before any route: swagger collects the routes, with their zod schemas, as they are added.
  await registerOpenApi(app as unknown as FastifyInstance, API_VERSION);

  // Every fastify response (also under inject); the gateway adds them to Socket.IO's, which
  // shares the server (see `applySecurityHeaders`).
  const headers = securityHeaders(deps.config?.console.tileUrl);
  app.addHook('onRequest', async (_req, reply) => {
    void reply.headers(headers);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: FastifySchemaValidationError[] }, req, reply) => {
    // A request that does not match its route's zod schema: the API's own 400, one detail per issue.
    if (err.validation && err.statusCode === 400) err = Errors.invalid(validationDetails(err.validation));
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'request failed');
    return reply.status(status).send({ error: { code: err.code ?? 'TW_INTERNAL', message: status === 500 ? 'internal error' : err.message } });
  });

  app.addHook('onRequest', async (req) => {
    const policy = matchedPolicy(req);
    // No route matched: the not-found handler answers 404 or the console's index.html, never data.
    if (policy === undefined || policy === 'public') return;
    const session = deps.sessions.touch(req.cookies[SESSION_COOKIE]);
    req.principal = session?.principal ?? (await tokenPrincipal(req, deps));
    if (!req.principal) throw Errors.unauthenticated();
    // A cookie is sent by the browser on its own: a state change must also prove it came from our page.
    if (session) csrf.verify(req, session.id);
    if (!mayCall(actingRole(req.principal), policy)) throw Errors.forbidden(PERMISSIONS[typeof policy === 'string' ? (policy as Permission) : policy[0]!].what);
  });

  const zod = (app as unknown as FastifyInstance).withTypeProvider<ZodTypeProvider>();
  await registerOpenApiRoutes(app as unknown as FastifyInstance);

  zod.get('/healthz', { schema: op('ops', 'Liveness', OPEN) }, async () => ({ status: 'ok' }));

  zod.get('/readyz', { schema: op('ops', 'Readiness: journal, broker, projections (503 when not ready)', OPEN) }, async (_req, reply) => {
    const r = deps.readiness();
    return reply.status(r.ready ? 200 : 503).send(r);
  });

  zod.get('/metrics', { schema: op('ops', 'Prometheus metrics', OPEN) }, async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  /** A refused login (console or password change): lockouts journaled, then 429, 403 or 401. */
  const refuseLogin = async (username: string, outcome: Exclude<LoginOutcome, { ok: true }>, req: FastifyRequest, reply: FastifyReply): Promise<never> => {
    if (outcome.reason === 'locked') {
      // Refused before the password is checked; the lockout was journaled when it began.
      deps.metrics.securityEvents.inc({ kind: 'login-locked-out' });
      const seconds = Math.ceil(outcome.lockout.ms / 1000);
      void reply.header('retry-after', String(seconds));
      throw new ApiError('TW_LOCKED_OUT', `too many failed logins: try again in ${seconds} s`, 429);
    }
    // The password was right, and temporary: the console asks for a new one (POST /api/login/password).
    if (outcome.reason === 'password-change') throw new ApiError(PASSWORD_CHANGE_REQUIRED, 'your password was reset: choose a new one to log in', 403);
    for (const l of outcome.lockouts) {
      deps.metrics.securityEvents.inc({ kind: 'lockout' });
      await deps.journal.append({
        source: 'http',
        type: 'security.lockout',
        subject: l.scope === 'username' ? `account:${username.slice(0, 64)}` : null,
        payload: { scope: l.scope, key: l.key, failures: l.failures, lockedForMs: l.ms, ip: l.address },
      });
    }
    deps.metrics.securityEvents.inc({ kind: 'login-failed' });
    await deps.journal.append({
      source: 'http',
      type: 'security.login-failed',
      subject: `account:${username.slice(0, 64)}`,
      payload: { username: username.slice(0, 64), ip: req.ip },
    });
    throw Errors.badCredentials();
  };

  /** A console session for a person who proved who they are: the cookie, the journal, what the console needs. */
  const startSession = async (principal: Principal, req: FastifyRequest, reply: FastifyReply): Promise<SessionInfo> => {
    const session = deps.sessions.create(principal);
    await deps.journal.append({ source: 'http', type: 'auth.login', actor: principal.username, payload: { ip: req.ip } });
    void reply.setCookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.secureCookies,
      path: '/',
      maxAge: deps.sessionTtlMinutes * 60,
    });
    return me(principal, csrf.tokenFor(session.id), deps.sessionTtlMinutes);
  };

  zod.post(
    '/api/login',
    { schema: { ...op('session', 'Log in: sets the session cookie, returns the CSRF token', OPEN), body: LoginBody } },
    async (req, reply) => {
      const body = req.body;
      const outcome = await deps.accounts.login(body.username, body.password, req.ip);
      // Only people log in to the console; machines use MQTT or API tokens.
      if (outcome.ok && outcome.principal.role !== 'console')
        return refuseLogin(body.username, { ok: false, reason: 'bad-credentials', lockouts: [] }, req, reply);
      if (!outcome.ok) return refuseLogin(body.username, outcome, req, reply);
      return { data: await startSession(outcome.principal, req, reply) };
    },
  );

  zod.post('/api/logout', { schema: op('session', 'Log out: ends the session') }, async (req, reply) => {
    const id = req.cookies[SESSION_COOKIE];
    if (id) deps.sessions.destroy(id);
    await deps.journal.append({ source: 'http', type: 'auth.logout', actor: req.principal!.username, payload: {} });
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { data: { ok: true } };
  });

  zod.get('/api/me', { schema: op('session', 'Who is logged in, the CSRF token and the idle timeout') }, async (req) => {
    // Only a cookie session has a CSRF token; an API-token caller has no cookie to protect.
    const session = deps.sessions.touch(req.cookies[SESSION_COOKIE]);
    return { data: me(req.principal!, session ? csrf.tokenFor(session.id) : null, deps.sessionTtlMinutes) };
  });

  zod.get('/api/journal', { schema: { ...op('site', 'The journal, a page of events after a sequence number'), querystring: PageQuery } }, async (req) => {
    const q = req.query;
    const events = journalFor(deps.journal.read(q.after, q.limit), actingRole(req.principal!));
    return { data: { events, head: deps.journal.head.seq } };
  });

  zod.get(
    '/api/quarantine',
    { schema: { ...op('site', 'Quarantined MQTT messages, a page after a sequence number'), querystring: PageQuery } },
    async (req) => {
      const q = req.query;
      const events = deps.journal.reader.events({ types: ['quarantine.message'], afterSeq: q.after, limit: q.limit });
      return { data: events.map((e) => ({ seq: e.seq, ts: e.ts, source: e.source, ...(e.payload ? e.payload : { erased: true }) })) };
    },
  );

  registerRadioRoutes(app as unknown as FastifyInstance, deps.api);
  registerBulletinRoutes(app as unknown as FastifyInstance, deps.api.bulletins);
  registerLogRoutes(app as unknown as FastifyInstance, deps.journal);
  registerReplayRoutes(app as unknown as FastifyInstance, deps.journal);
  registerEvidenceRoutes(app as unknown as FastifyInstance, deps.api.evidence);
  registerCctvRoutes(app as unknown as FastifyInstance, deps.api.cctv);
  registerTrackingRoutes(app as unknown as FastifyInstance, deps.api.tracking);
  registerPeopleRoutes(app as unknown as FastifyInstance, { people: deps.people, accounts: deps.accounts, refuseLogin, startSession });
  await registerConsoleRoutes(app as unknown as FastifyInstance, { config: deps.config, projections: deps.projections, consoleDir: deps.consoleDir });

  // `?at=<ISO time>`: time travel, the journal replayed up to then (through the API, which journals it).
  zod.get(
    '/api/state',
    { schema: { ...op('site', 'The live state, or the state at a past time (`at`, journaled)'), querystring: StateQuery } },
    async (req, reply) => {
      if (req.query.at === undefined) return { data: snapshotFor(deps.projections.snapshot(), actingRole(req.principal!)) };
      // The past state arrives as JSON text made off the event loop: sent as it is, never parsed here.
      const json = await deps.api.tracking.stateJsonAt(req.principal!, req.query);
      return reply.type('application/json; charset=utf-8').send(`{"data":${json}}`);
    },
  );

  return app;
}

function me(p: Principal, csrfToken: string | null, sessionTtlMinutes: number): SessionInfo {
  return { username: p.username, displayName: p.displayName ?? p.username, consoleRole: p.consoleRole, premisesId: p.premisesId, csrfToken, sessionTtlMinutes };
}

export type HttpApp = Awaited<ReturnType<typeof buildHttp>>;
