import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Accounts, Principal } from '../auth/accounts';
import type { PeopleApi } from '../api/people-api';
import type { SessionInfo } from '../contract/api';
import { NewUserInput, PasswordChangeInput, PasswordResetInput, UserParams, UserPatch } from '../contract/people';
import { ApiError, Errors } from './errors';
import { op, OPEN } from './openapi';

export interface PeopleRouteDeps {
  people: PeopleApi;
  accounts: Accounts;
  /** The login route's own outcome handling: lockouts journaled, `locked` answered 429. */
  refuseLogin: (
    username: string,
    outcome: Exclude<Awaited<ReturnType<Accounts['login']>>, { ok: true }>,
    req: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<never>;
  /** Starts a console session for the person (cookie, journal) and returns what login returns. */
  startSession: (principal: Principal, req: FastifyRequest, reply: FastifyReply) => Promise<SessionInfo>;
}

/**
 * People administration (`/api/users`, the security manager) and the one public step of a
 * temporary password: `POST /api/login/password`, a login that replaces the password first.
 */
export function registerPeopleRoutes(fastify: FastifyInstance, deps: PeopleRouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { people } = deps;

  app.get('/api/users', { schema: op('people', 'The people who use the console: name, role, premises, disabled (never a password)') }, async (req) => ({
    data: people.list(req.principal!),
  }));
  app.post(
    '/api/users',
    { schema: { ...op('people', 'Add a person with a temporary password, to be changed at the first login'), body: NewUserInput } },
    async (req, reply) => reply.status(201).send({ data: await people.create(req.principal!, req.body) }),
  );
  app.patch(
    '/api/users/:username',
    { schema: { ...op('people', "Change a person's name, role or premises, or disable or enable the account"), params: UserParams, body: UserPatch } },
    async (req) => ({ data: await people.update(req.principal!, req.params.username, req.body) }),
  );
  app.post(
    '/api/users/:username/password',
    {
      schema: {
        ...op('people', 'Reset a password to a temporary one (changed at the next login; live sessions end)'),
        params: UserParams,
        body: PasswordResetInput,
      },
    },
    async (req) => ({ data: await people.resetPassword(req.principal!, req.params.username, req.body) }),
  );

  app.post(
    '/api/login/password',
    {
      schema: {
        ...op('session', 'Log in with the current (temporary) password and choose a new one: sets the session cookie', OPEN),
        body: PasswordChangeInput,
      },
    },
    async (req, reply) => {
      const { username, password, newPassword } = req.body;
      const outcome = await deps.accounts.login(username, password, req.ip);
      if (!outcome.ok && outcome.reason !== 'password-change') return deps.refuseLogin(username, outcome, req, reply);
      const principal = deps.accounts.principal(username);
      // Only people log in to the console; machines use MQTT or API tokens.
      if (!principal || principal.role !== 'console') throw Errors.badCredentials();
      await people.changePassword(username, password, newPassword);
      const now = deps.accounts.principal(username);
      if (!now) throw new ApiError('TW_BAD_CREDENTIALS', 'wrong username or password', 401);
      return { data: await deps.startSession(now, req, reply) };
    },
  );
}
