import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { EvidenceApi } from '../api/evidence-api';

/** REST for body-worn footage; each route hands (actor, input) to the application API. */
export function registerEvidenceRoutes(app: FastifyInstance, api: EvidenceApi): void {
  app.get('/api/evidence', async (req) => ({ data: api.list(req.principal!) }));
  app.get('/api/docks', async (req) => ({ data: api.docks(req.principal!) }));
  app.get('/api/evidence/alarms', async (req) => ({ data: api.alarms(req.principal!) }));
  app.post<{ Params: { id: string } }>('/api/evidence/alarms/:id/ack', async (req) => ({ data: await api.acknowledgeAlarm(req.principal!, req.params.id, req.body) }));
  app.get<{ Params: { id: string } }>('/api/evidence/:id', async (req) => ({ data: await api.view(req.principal!, req.params.id) }));
  app.get<{ Params: { id: string } }>('/api/evidence/:id/custody', async (req) => ({ data: api.custody(req.principal!, req.params.id) }));
  app.post<{ Params: { id: string } }>('/api/evidence/:id/evidential', async (req) => ({ data: await api.markEvidential(req.principal!, req.params.id, req.body) }));
  app.post<{ Params: { id: string } }>('/api/evidence/:id/hold', async (req) => ({ data: await api.hold(req.principal!, req.params.id, req.body) }));
  app.post('/api/evidence/bundles', async (req) => ({ data: await api.bundle(req.principal!, req.body) }));
  // One tar archive, streamed from the export folder; the hand-over is journaled first.
  app.get<{ Params: { id: string } }>('/api/evidence/bundles/:id', async (req, reply) => {
    const { info, path } = await api.download(req.principal!, req.params.id);
    return reply
      .type('application/x-tar')
      .header('content-disposition', `attachment; filename="${info.bundleId}.tar"`)
      .header('cache-control', 'no-store')
      .send(createReadStream(path));
  });
}
