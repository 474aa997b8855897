import type { FastifyInstance } from 'fastify';
import type { AppApi } from '../api/app-api';

/** REST for emergencies and alerts: each route hands (actor, input) to the application API. */
export function registerRadioRoutes(app: FastifyInstance, api: AppApi): void {
  app.get('/api/emergencies', async (req) => ({ data: api.listEmergencies(req.principal!) }));
  app.post<{ Params: { id: string } }>('/api/emergencies/:id/acknowledge', async (req) => ({
    data: await api.acknowledgeEmergency(req.principal!, req.params.id),
  }));
  app.post<{ Params: { id: string } }>('/api/emergencies/:id/resolve', async (req) => ({
    data: await api.resolveEmergency(req.principal!, req.params.id, req.body),
  }));
  app.post('/api/alerts', async (req) => ({ data: await api.sendAlert(req.principal!, req.body) }));
  app.get<{ Params: { id: string } }>('/api/alerts/:id', async (req) => ({ data: api.getAlert(req.principal!, req.params.id) }));
}
