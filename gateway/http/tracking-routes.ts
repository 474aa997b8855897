import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ExportFile, TrackingApi } from '../api/tracking-api';
import { IdParams } from '../contract/api';
import {
  CboExtendInput,
  CboInput,
  CboRevokeInput,
  CloseInput,
  DispatchInput,
  ExportQuery,
  GradeInput,
  HotspotQuery,
  IncidentInput,
  LinkInput,
  NoteInput,
  PhotoInput,
  ReportInput,
  ShareInput,
  SightingInput,
  SubjectInput,
  SubjectPatch,
  SubjectQuery,
  UnwatchInput,
  WatchInput,
  WithdrawInput,
} from '../contract/tracking';
import { op } from './openapi';

/** Exports are files, not `{data}` envelopes: a download with its own type and name. */
function send(reply: FastifyReply, file: ExportFile): FastifyReply {
  return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
}

const params = IdParams;
const PhotoQuery = z.strictObject({ size: z.enum(['full', 'thumb']).default('full') });
const ReportPhotoParams = IdParams.extend({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/** REST for tracking and dispatch: each route hands (actor, input) to the application API. */
export function registerTrackingRoutes(fastify: FastifyInstance, api: TrackingApi): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { subjects, incidents } = api;

  app.post(
    '/api/reports',
    { schema: { ...op('tracking', 'Report an incident or sighting for a premises (a member: its own)'), body: ReportInput } },
    async (req) => ({ data: await api.report(req.principal!, req.body) }),
  );
  app.post(
    '/api/reports/photos',
    {
      bodyLimit: 9 * 1024 * 1024,
      schema: {
        ...op('tracking', 'Attach a photo to a report about to be sent (JPEG or PNG, base64; metadata is stripped): name its `ref` in `media`'),
        body: PhotoInput,
      },
    },
    async (req) => ({ data: await api.photos.upload(req.principal!, req.body) }),
  );
  app.get(
    '/api/reports/:id/photos/:sha256',
    { schema: { ...op('tracking', "A report's photo, to the roles that see incidents and to the member whose premises sent it"), params: ReportPhotoParams } },
    async (req, reply) => {
      const photo = await api.photos.read(req.principal!, req.params.id, req.params.sha256);
      // Personal data: never kept by a shared cache or the browser's disk cache.
      return reply.type(photo.contentType).header('cache-control', 'private, no-store').header('content-disposition', 'inline').send(photo.bytes);
    },
  );
  app.post('/api/sightings', { schema: { ...op('tracking', 'Report a sighting of a subject or a described person'), body: SightingInput } }, async (req) => ({
    data: await api.reportSighting(req.principal!, req.body),
  }));
  app.get('/api/sightings/unlinked', { schema: op('tracking', 'Sightings not yet linked to a subject') }, async (req) => ({
    data: api.unlinked(req.principal!),
  }));
  app.post('/api/sightings/:id/link', { schema: { ...op('tracking', 'Link a sighting to a subject'), params, body: LinkInput } }, async (req) => ({
    data: await api.linkSighting(req.principal!, req.params.id, req.body),
  }));

  app.get(
    '/api/subjects',
    { schema: { ...op('subjects', 'Search subjects by id, alias, name, description or feature tags'), querystring: SubjectQuery } },
    async (req) => ({ data: await subjects.list(req.principal!, req.query) }),
  );
  app.post('/api/subjects', { schema: { ...op('subjects', 'Add a subject'), body: SubjectInput } }, async (req) => ({
    data: await subjects.create(req.principal!, req.body),
  }));
  app.get('/api/subjects/:id', { schema: { ...op('subjects', 'One subject, as the role may see them'), params } }, async (req) => ({
    data: await subjects.view(req.principal!, req.params.id),
  }));
  app.patch('/api/subjects/:id', { schema: { ...op('subjects', 'Change a subject'), params, body: SubjectPatch } }, async (req) => ({
    data: await subjects.update(req.principal!, req.params.id, req.body),
  }));
  app.post(
    '/api/subjects/:id/photo',
    // A photo is larger than any other body: its own limit (base64 of at most 6 MiB, and the JSON around it).
    {
      bodyLimit: 9 * 1024 * 1024,
      schema: { ...op('subjects', 'Upload a photo of a subject (JPEG or PNG, base64; metadata is stripped)'), params, body: PhotoInput },
    },
    async (req) => ({ data: await subjects.setPhoto(req.principal!, req.params.id, req.body) }),
  );
  app.get(
    '/api/subjects/:id/photo',
    { schema: { ...op('subjects', "A subject's photo (`?size=thumb`: its thumbnail), to a role that may see the subject"), params, querystring: PhotoQuery } },
    async (req, reply) => {
      const photo = await subjects.photo(req.principal!, req.params.id, req.query.size);
      // Personal data: never kept by a shared cache or the browser's disk cache.
      return reply.type(photo.contentType).header('cache-control', 'private, no-store').header('content-disposition', 'inline').send(photo.bytes);
    },
  );
  app.post('/api/subjects/:id/watch', { schema: { ...op('subjects', 'Put a subject on the watch list'), params, body: WatchInput } }, async (req) => ({
    data: await subjects.watch(req.principal!, req.params.id, req.body),
  }));
  app.post('/api/subjects/:id/unwatch', { schema: { ...op('subjects', 'Take a subject off the watch list'), params, body: UnwatchInput } }, async (req) => ({
    data: await subjects.unwatch(req.principal!, req.params.id, req.body),
  }));
  app.post(
    '/api/subjects/:id/share',
    { schema: { ...op('subjects', 'Share a subject with members until an expiry'), params, body: ShareInput } },
    async (req) => ({
      data: await subjects.share(req.principal!, req.params.id, req.body),
    }),
  );
  app.post(
    '/api/subjects/:id/withdraw',
    { schema: { ...op('subjects', 'Stop sharing a subject with members'), params, body: WithdrawInput } },
    async (req) => ({ data: await subjects.withdraw(req.principal!, req.params.id, req.body) }),
  );
  app.get(
    '/api/subjects/:id/track',
    { schema: { ...op('tracking', "A subject's track, where they may be heading and the cameras to hand over to"), params } },
    async (req) => ({ data: api.track(req.principal!, req.params.id) }),
  );
  app.get(
    '/api/subjects/:id/track/export',
    { schema: { ...op('tracking', "Export a subject's track (GeoJSON, CoT or EIDO file)"), params, querystring: ExportQuery } },
    async (req, reply) => send(reply, await api.exportTrack(req.principal!, req.params.id, req.query)),
  );
  app.get('/api/tracks', { schema: op('tracking', 'Live tracks') }, async (req) => ({ data: api.tracks(req.principal!) }));

  app.get('/api/cbos', { schema: op('subjects', 'Criminal behaviour orders') }, async (req) => ({ data: subjects.listCbos(req.principal!) }));
  app.post('/api/cbos', { schema: { ...op('subjects', 'Record an order (or a warning)'), body: CboInput } }, async (req) => ({
    data: await subjects.createCbo(req.principal!, req.body),
  }));
  app.post('/api/cbos/:id/issue', { schema: { ...op('subjects', 'Issue an order recorded as a warning'), params } }, async (req) => ({
    data: await subjects.issueCbo(req.principal!, req.params.id),
  }));
  app.post('/api/cbos/:id/extend', { schema: { ...op('subjects', "Extend an order's expiry"), params, body: CboExtendInput } }, async (req) => ({
    data: await subjects.extendCbo(req.principal!, req.params.id, req.body),
  }));
  app.post('/api/cbos/:id/revoke', { schema: { ...op('subjects', 'Revoke an order'), params, body: CboRevokeInput } }, async (req) => ({
    data: await subjects.revokeCbo(req.principal!, req.params.id, req.body),
  }));

  app.get('/api/breaches', { schema: op('tracking', 'Order breaches') }, async (req) => ({ data: api.breaches(req.principal!) }));
  // The note is optional, and so is the body (fastify validates an absent body as null).
  app.post('/api/breaches/:id/acknowledge', { schema: { ...op('tracking', 'Acknowledge a breach'), params, body: NoteInput.nullable() } }, async (req) => ({
    data: await api.acknowledgeBreach(req.principal!, req.params.id, req.body),
  }));

  app.get('/api/incidents', { schema: op('incidents', 'Incidents (a member: those its premises reported)') }, async (req) => ({
    data: incidents.list(req.principal!),
  }));
  app.post('/api/incidents', { schema: { ...op('incidents', 'Open an incident'), body: IncidentInput } }, async (req) => ({
    data: await incidents.create(req.principal!, req.body),
  }));
  app.get('/api/incidents/:id', { schema: { ...op('incidents', 'One incident'), params } }, async (req) => ({
    data: await incidents.get(req.principal!, req.params.id),
  }));
  app.post('/api/incidents/:id/grade', { schema: { ...op('incidents', 'Grade an incident'), params, body: GradeInput } }, async (req) => ({
    data: await incidents.grade(req.principal!, req.params.id, req.body),
  }));
  app.get('/api/incidents/:id/candidates', { schema: { ...op('incidents', 'Units ranked by walking time to an incident'), params } }, async (req) => ({
    data: incidents.candidates(req.principal!, req.params.id),
  }));
  app.post('/api/incidents/:id/dispatch', { schema: { ...op('incidents', 'Dispatch a unit to an incident'), params, body: DispatchInput } }, async (req) => ({
    data: await incidents.dispatch(req.principal!, req.params.id, req.body),
  }));
  app.post('/api/incidents/:id/close', { schema: { ...op('incidents', 'Close an incident with its outcome'), params, body: CloseInput } }, async (req) => ({
    data: await incidents.close(req.principal!, req.params.id, req.body),
  }));
  app.get(
    '/api/incidents/:id/export',
    { schema: { ...op('incidents', 'Export an incident (GeoJSON, CoT or EIDO file)'), params, querystring: ExportQuery } },
    async (req, reply) => send(reply, await api.exportIncident(req.principal!, req.params.id, req.query)),
  );

  app.get(
    '/api/hotspots',
    { schema: { ...op('tracking', 'Incidents and sightings per zone and hour over a period (default: 28 days)'), querystring: HotspotQuery } },
    async (req) => ({ data: await api.hotspots(req.principal!, req.query) }),
  );
}
