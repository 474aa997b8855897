import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ReplayQuery, replayEvents } from '../api/replay-api';
import type { Journal } from '../journal/journal';
import { op } from './openapi';

/**
 * Replay on the map: the console takes the state at a moment (`GET /api/state?at=`, about a
 * second on a long journal) once, then plays forward from the events of each stretch, applied
 * in the browser by the live stream's own code.
 */
export function registerReplayRoutes(fastify: FastifyInstance, journal: Journal): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/replay',
    {
      schema: {
        ...op('site', "The map's events (positions, emergencies, incidents, orders, tracks) between two past times, at most 2 h (journaled)"),
        querystring: ReplayQuery,
      },
    },
    async (req) => ({ data: await replayEvents(journal, req.principal!, req.query) }),
  );
}
