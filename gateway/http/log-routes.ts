import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENTS } from '../contract/events';
import { actingRole, seesLive } from '../contract/policy';
import { toConsoleEvent, type ConsoleEvent } from '../contract/socket';
import type { Journal } from '../journal/journal';
import { redactGallery } from '../projections';
import { HIDDEN } from '../realtime/console-socket';
import { op } from './openapi';

export const LogQuery = z.strictObject({
  /** Events before this seq (exclusive): the oldest one the console already shows. */
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/**
 * The Live log's history: the last events a role sees in the live stream, before a seq, exactly
 * as the stream would have sent them (same types left out, each type only for the roles the
 * access policy lets see it, gallery events redacted), so a reloaded console shows what it showed before. Positions
 * are the map's, not log lines.
 */
export function registerLogRoutes(fastify: FastifyInstance, journal: Journal): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/log', { schema: { ...op('site', "The Live log's latest events, newest first, before a seq"), querystring: LogQuery } }, async (req) => {
    const role = actingRole(req.principal!);
    const types = Object.keys(EVENTS).filter((t) => !HIDDEN.has(t) && t !== 'radio.position' && seesLive(role, t));
    const events = journal.reader.events({
      types,
      ...(req.query.before !== undefined ? { toSeq: req.query.before - 1 } : {}),
      limit: req.query.limit,
      newestFirst: true,
    });
    return { data: events.map((e): ConsoleEvent => redactGallery(toConsoleEvent(e))) };
  });
}
