import type { FastifyInstance } from 'fastify';
import type { CctvApi } from '../api/cctv-api';

/** REST for cameras; each route hands (actor, input) to the application API. */
export function registerCctvRoutes(app: FastifyInstance, api: CctvApi): void {
  app.get('/api/cameras', async (req) => ({ data: api.list(req.principal!) }));
  // A bare FeatureCollection, not `{data}`: GIS tools and map libraries load the URL as a file.
  app.get('/api/cameras.geojson', async (req, reply) => reply.type('application/geo+json').send(api.geojson(req.principal!)));
  app.get<{ Params: { id: string } }>('/api/cameras/:id', async (req) => ({ data: api.get(req.principal!, req.params.id) }));
  app.post<{ Params: { id: string } }>('/api/cameras/:id/sightings', async (req, reply) => reply.status(201).send({ data: await api.sighting(req.principal!, req.params.id, req.body) }));
  app.post<{ Params: { id: string } }>('/api/cameras/:id/bookmarks', async (req, reply) => reply.status(201).send({ data: await api.bookmark(req.principal!, req.params.id, req.body) }));
  app.post<{ Params: { id: string } }>('/api/cameras/:id/faults', async (req, reply) => reply.status(201).send({ data: await api.fault(req.principal!, req.params.id, req.body) }));
}
