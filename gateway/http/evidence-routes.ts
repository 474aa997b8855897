import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AlarmAckInput, BundleInput, ClipInput, HoldInput, MarkInput, type EvidenceApi } from '../api/evidence-api';
import { IdParams } from '../contract/api';
import { op } from './openapi';

/** REST for body-worn footage; each route hands (actor, input) to the application API. */
export function registerEvidenceRoutes(fastify: FastifyInstance, api: EvidenceApi): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/evidence', { schema: op('evidence', 'Evidence records (body-worn footage)') }, async (req) => ({ data: api.list(req.principal!) }));
  app.get('/api/docks', { schema: op('evidence', 'Camera docks and their offloads') }, async (req) => ({ data: api.docks(req.principal!) }));
  app.get(
    '/api/evidence/alarms',
    { schema: op('evidence', 'Hash-mismatch alarms: a recording whose bytes did not match the hash its camera announced') },
    async (req) => ({ data: api.alarms(req.principal!) }),
  );
  app.post(
    '/api/evidence/alarms/:id/ack',
    { schema: { ...op('evidence', 'Acknowledge a hash-mismatch alarm, with a note (journaled)'), params: IdParams, body: AlarmAckInput } },
    async (req) => ({ data: await api.acknowledgeAlarm(req.principal!, req.params.id, req.body) }),
  );
  app.get('/api/evidence/:id', { schema: { ...op('evidence', 'One evidence record (the view is journaled)'), params: IdParams } }, async (req) => ({
    data: await api.view(req.principal!, req.params.id),
  }));
  // A player's range requests: `<video src>` in the console; the first of a play is journaled.
  app.get(
    '/api/evidence/:id/media',
    { schema: { ...op('evidence', "An exhibit's footage for a player (HTTP ranges; each play is journaled as access to footage)"), params: IdParams } },
    async (req, reply) => {
      const m = await api.media(req.principal!, req.params.id, req.headers.range);
      const ext = m.fileName.endsWith('.mp4') ? 'video/mp4' : 'application/octet-stream';
      reply
        .status(m.status)
        .type(ext)
        .header('accept-ranges', 'bytes')
        .header('content-length', String(m.end - m.start + 1))
        .header('content-disposition', `inline; filename="${m.fileName}"`)
        .header('cache-control', 'no-store');
      if (m.status === 206) reply.header('content-range', `bytes ${m.start}-${m.end}/${m.size}`);
      return reply.send(createReadStream(m.path, { start: m.start, end: m.end }));
    },
  );
  app.post(
    '/api/cameras/:id/clips',
    { schema: { ...op('cameras', 'Record a clip from a live camera into evidence (stream copy, SHA-256, journaled)'), params: IdParams, body: ClipInput } },
    async (req, reply) => reply.status(201).send({ data: await api.recordClip(req.principal!, req.params.id, req.body) }),
  );
  app.get('/api/evidence/:id/custody', { schema: { ...op('evidence', "An evidence record's chain of custody"), params: IdParams } }, async (req) => ({
    data: api.custody(req.principal!, req.params.id),
  }));
  app.post(
    '/api/evidence/:id/evidential',
    { schema: { ...op('evidence', 'Mark footage as evidence for an incident'), params: IdParams, body: MarkInput } },
    async (req) => ({ data: await api.markEvidential(req.principal!, req.params.id, req.body) }),
  );
  app.post(
    '/api/evidence/:id/hold',
    { schema: { ...op('evidence', 'Put footage on hold, or release it'), params: IdParams, body: HoldInput } },
    async (req) => ({ data: await api.hold(req.principal!, req.params.id, req.body) }),
  );
  app.post('/api/evidence/bundles', { schema: { ...op('evidence', "Export an incident's evidence as a bundle"), body: BundleInput } }, async (req) => ({
    data: await api.bundle(req.principal!, req.body),
  }));
  // One tar archive, streamed from the export folder; the hand-over is journaled first.
  app.get(
    '/api/evidence/bundles/:id',
    { schema: { ...op('evidence', 'Download a bundle (tar archive; the hand-over is journaled)'), params: IdParams } },
    async (req, reply) => {
      const { path, fileName } = await api.download(req.principal!, req.params.id);
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'no-store')
        .send(createReadStream(path));
    },
  );
}
