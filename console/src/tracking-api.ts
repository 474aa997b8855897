import type { StateSnapshot } from '../../gateway/contract/socket';
import type { LonLat } from '../../gateway/contract/api';
import type { BreachRecord, Hotspots, IncidentRecord, Ranking, SubjectView, TrackView } from '../../gateway/contract/tracking';
import type { Api } from './api';

export type { TrackView };

const enc = encodeURIComponent;

/**
 * The tracking service's REST API (see gateway/http/tracking-routes.ts). Reads of people
 * (subjects) are journaled by the gateway, so the console asks for them only when someone
 * searches or opens a subject, never in the background.
 */
export class TrackingApi {
  constructor(private readonly api: Api) {}

  subjects(q = ''): Promise<SubjectView[]> {
    return this.api.get(`/api/subjects${q ? `?q=${enc(q)}` : ''}`);
  }

  subject(id: string): Promise<SubjectView> {
    return this.api.get(`/api/subjects/${enc(id)}`);
  }

  track(subjectId: string): Promise<TrackView> {
    return this.api.get(`/api/subjects/${enc(subjectId)}/track`);
  }

  reportSighting(input: {
    subjectId?: string;
    description?: string;
    place: { cameraId?: string; zone?: string; unitId?: string };
    source?: string;
  }): Promise<{ sightingId: string }> {
    return this.api.post('/api/sightings', input);
  }

  link(sightingId: string, subjectId: string): Promise<unknown> {
    return this.api.post(`/api/sightings/${enc(sightingId)}/link`, { subjectId });
  }

  acknowledgeBreach(id: string, note?: string): Promise<BreachRecord> {
    return this.api.post(`/api/breaches/${enc(id)}/acknowledge`, note ? { note } : {});
  }

  grade(id: string, grade: string): Promise<IncidentRecord> {
    return this.api.post(`/api/incidents/${enc(id)}/grade`, { grade });
  }

  candidates(id: string): Promise<Ranking> {
    return this.api.get(`/api/incidents/${enc(id)}/candidates`);
  }

  dispatch(id: string, unitId: string): Promise<IncidentRecord> {
    return this.api.post(`/api/incidents/${enc(id)}/dispatch`, { unitId });
  }

  close(id: string, outcome: string, note?: string): Promise<IncidentRecord> {
    return this.api.post(`/api/incidents/${enc(id)}/close`, { outcome, ...(note ? { note } : {}) });
  }

  /** One incident as the role may see it: with its caller for the roles that may see him. */
  incident(id: string): Promise<IncidentRecord> {
    return this.api.get(`/api/incidents/${enc(id)}`);
  }

  /** A call taken in the control room becomes an incident (journaled with the controller). */
  openIncident(input: {
    channel: string;
    category: string;
    description: string;
    place: { zone?: string; premisesId?: string; lonLat?: LonLat };
    caller?: { name?: string; phone?: string };
  }): Promise<IncidentRecord> {
    return this.api.post('/api/incidents', input);
  }

  report(input: {
    kind: 'incident' | 'sighting';
    category: string;
    description: string;
    occurredAt: string;
    subjectId?: string;
    media?: string[];
  }): Promise<unknown> {
    return this.api.post('/api/reports', input);
  }

  /** Stores a photo for a report about to be sent; its `ref` goes in the report's media. */
  reportPhoto(image: string): Promise<{ ref: string; removed: string[] }> {
    return this.api.post('/api/reports/photos', { image });
  }

  /** Null when the gateway has no tracking service. */
  hotspots(): Promise<Hotspots | null> {
    return this.api.optional<Hotspots>('/api/hotspots');
  }

  stateAt(at: Date): Promise<StateSnapshot> {
    return this.api.get(`/api/state?at=${enc(at.toISOString())}`);
  }
}
