import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ExportFile, TrackingApi } from '../api/tracking-api';

type Id = { Params: { id: string } };

/** Exports are files, not `{data}` envelopes: a download with its own type and name. */
function send(reply: FastifyReply, file: ExportFile): FastifyReply {
  return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
}

/** REST for tracking and dispatch: each route hands (actor, input) to the application API. */
export function registerTrackingRoutes(app: FastifyInstance, api: TrackingApi): void {
  const { subjects, incidents } = api;

  app.post('/api/reports', async (req) => ({ data: await api.report(req.principal!, req.body) }));
  app.post('/api/sightings', async (req) => ({ data: await api.reportSighting(req.principal!, req.body) }));
  app.get('/api/sightings/unlinked', async (req) => ({ data: api.unlinked(req.principal!) }));
  app.post<Id>('/api/sightings/:id/link', async (req) => ({ data: await api.linkSighting(req.principal!, req.params.id, req.body) }));

  app.get('/api/subjects', async (req) => ({ data: await subjects.list(req.principal!, req.query) }));
  app.post('/api/subjects', async (req) => ({ data: await subjects.create(req.principal!, req.body) }));
  app.get<Id>('/api/subjects/:id', async (req) => ({ data: await subjects.view(req.principal!, req.params.id) }));
  app.patch<Id>('/api/subjects/:id', async (req) => ({ data: await subjects.update(req.principal!, req.params.id, req.body) }));
  app.get<Id>('/api/subjects/:id/track', async (req) => ({ data: api.track(req.principal!, req.params.id) }));
  app.get<Id>('/api/subjects/:id/track/export', async (req, reply) => send(reply, await api.exportTrack(req.principal!, req.params.id, req.query)));
  app.get('/api/tracks', async (req) => ({ data: api.tracks(req.principal!) }));

  app.get('/api/cbos', async (req) => ({ data: subjects.listCbos(req.principal!) }));
  app.post('/api/cbos', async (req) => ({ data: await subjects.createCbo(req.principal!, req.body) }));
  app.post<Id>('/api/cbos/:id/issue', async (req) => ({ data: await subjects.issueCbo(req.principal!, req.params.id) }));
  app.post<Id>('/api/cbos/:id/extend', async (req) => ({ data: await subjects.extendCbo(req.principal!, req.params.id, req.body) }));
  app.post<Id>('/api/cbos/:id/revoke', async (req) => ({ data: await subjects.revokeCbo(req.principal!, req.params.id, req.body) }));

  app.get('/api/breaches', async (req) => ({ data: api.breaches(req.principal!) }));
  app.post<Id>('/api/breaches/:id/acknowledge', async (req) => ({ data: await api.acknowledgeBreach(req.principal!, req.params.id, req.body) }));

  app.get('/api/incidents', async (req) => ({ data: incidents.list(req.principal!) }));
  app.post('/api/incidents', async (req) => ({ data: await incidents.create(req.principal!, req.body) }));
  app.get<Id>('/api/incidents/:id', async (req) => ({ data: incidents.get(req.principal!, req.params.id) }));
  app.post<Id>('/api/incidents/:id/grade', async (req) => ({ data: await incidents.grade(req.principal!, req.params.id, req.body) }));
  app.get<Id>('/api/incidents/:id/candidates', async (req) => ({ data: incidents.candidates(req.principal!, req.params.id) }));
  app.post<Id>('/api/incidents/:id/dispatch', async (req) => ({ data: await incidents.dispatch(req.principal!, req.params.id, req.body) }));
  app.post<Id>('/api/incidents/:id/close', async (req) => ({ data: await incidents.close(req.principal!, req.params.id, req.body) }));
  app.get<Id>('/api/incidents/:id/export', async (req, reply) => send(reply, await api.exportIncident(req.principal!, req.params.id, req.query)));

  app.get('/api/hotspots', async (req) => ({ data: await api.hotspots(req.principal!, req.query) }));
}
