import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { IdParams } from '../contract/api';
import { op } from '../http/openapi';
import { BulletinInput, ReceiptInput, type BulletinsApi } from './bulletins-api';

/** REST for bulletins to members: each route hands (actor, input) to the bulletins API. */
export function registerBulletinRoutes(fastify: FastifyInstance, api: BulletinsApi): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/bulletins',
    { schema: op('members', "Bulletins sent to members with each premises' receipts; a member: its own premises' only") },
    async (req) => ({
      data: api.list(req.principal!),
    }),
  );
  app.post(
    '/api/bulletins',
    { schema: { ...op('members', 'Send a bulletin or alert to all member premises, chosen premises or the premises of chosen zones'), body: BulletinInput } },
    async (req) => ({ data: await api.send(req.principal!, req.body) }),
  );
  app.post(
    '/api/bulletins/:id/receipt',
    {
      schema: {
        ...op('members', "A member's page showed a bulletin to its premises (delivered), or the member read it"),
        params: IdParams,
        body: ReceiptInput,
      },
    },
    async (req) => ({ data: await api.receipt(req.principal!, req.params.id, req.body) }),
  );
}
