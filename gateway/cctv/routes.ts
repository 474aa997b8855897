import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BookmarkInput, FaultInput, SightingInput, type CctvApi } from '../api/cctv-api';
import { IdParams } from '../contract/api';
import { op } from '../http/openapi';

/** REST for cameras; each route hands (actor, input) to the application API. */
export function registerCctvRoutes(fastify: FastifyInstance, api: CctvApi): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/cameras', { schema: op('cameras', 'Cameras with their health and live stream') }, async (req) => ({ data: api.list(req.principal!) }));
  // A bare FeatureCollection, not `{data}`: GIS tools and map libraries load the URL as a file.
  app.get('/api/cameras.geojson', { schema: op('cameras', 'Cameras as a GeoJSON FeatureCollection (not wrapped in `data`)') }, async (req, reply) =>
    reply.type('application/geo+json').send(api.geojson(req.principal!)),
  );
  app.get('/api/cameras/:id', { schema: { ...op('cameras', 'One camera'), params: IdParams } }, async (req) => ({
    data: api.get(req.principal!, req.params.id),
  }));
  app.post(
    '/api/cameras/:id/sightings',
    { schema: { ...op('cameras', 'Mark a sighting on a camera'), params: IdParams, body: SightingInput } },
    async (req, reply) => reply.status(201).send({ data: await api.sighting(req.principal!, req.params.id, req.body) }),
  );
  app.post(
    '/api/cameras/:id/bookmarks',
    { schema: { ...op('cameras', 'Bookmark a moment on a camera'), params: IdParams, body: BookmarkInput } },
    async (req, reply) => reply.status(201).send({ data: await api.bookmark(req.principal!, req.params.id, req.body) }),
  );
  app.post('/api/cameras/:id/faults', { schema: { ...op('cameras', 'Report a camera fault'), params: IdParams, body: FaultInput } }, async (req, reply) =>
    reply.status(201).send({ data: await api.fault(req.principal!, req.params.id, req.body) }),
  );
}
