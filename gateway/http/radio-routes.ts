import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AlertInput, ResolveInput, type AppApi } from '../api/app-api';
import { ReadInput, TextInput } from '../api/messages-api';
import { IdParams } from '../contract/api';
import { op } from './openapi';

/** REST for emergencies and alerts: each route hands (actor, input) to the application API. */
export function registerRadioRoutes(fastify: FastifyInstance, api: AppApi): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/emergencies', { schema: op('radio', 'Open and recent emergencies') }, async (req) => ({ data: api.listEmergencies(req.principal!) }));
  app.post('/api/emergencies/:id/acknowledge', { schema: { ...op('radio', 'Acknowledge an emergency'), params: IdParams } }, async (req) => ({
    data: await api.acknowledgeEmergency(req.principal!, req.params.id),
  }));
  app.post(
    '/api/emergencies/:id/resolve',
    { schema: { ...op('radio', 'Resolve an emergency as genuine or false'), params: IdParams, body: ResolveInput } },
    async (req) => ({
      data: await api.resolveEmergency(req.principal!, req.params.id, req.body),
    }),
  );
  app.post('/api/alerts', { schema: { ...op('radio', 'Send a radio alert to talkgroups and units'), body: AlertInput } }, async (req) => ({
    data: await api.sendAlert(req.principal!, req.body),
  }));
  app.get('/api/alerts/:id', { schema: { ...op('radio', 'An alert and its delivery per radio'), params: IdParams } }, async (req) => ({
    data: api.getAlert(req.principal!, req.params.id),
  }));
  app.get('/api/messages', { schema: op('radio', 'Conversations with units: texts in and out, receipts, unread') }, async (req) => ({
    data: api.messages.conversations(req.principal!),
  }));
  app.post(
    '/api/units/:id/messages',
    { schema: { ...op('radio', "Send a text to one unit's radio (MQTT or TETRA SDS)"), params: IdParams, body: TextInput } },
    async (req) => ({ data: await api.messages.send(req.principal!, req.params.id, req.body) }),
  );
  app.post(
    '/api/units/:id/messages/read',
    { schema: { ...op('radio', "Mark a unit's conversation read up to an incoming text"), params: IdParams, body: ReadInput } },
    async (req) => ({ data: await api.messages.markRead(req.principal!, req.params.id, req.body) }),
  );
}
