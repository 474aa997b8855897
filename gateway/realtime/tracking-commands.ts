import type { Socket } from 'socket.io';
import type { TrackingApi } from '../api/tracking-api';
import type { Principal } from '../auth/accounts';
import type { ClientToServerEvents, ServerToClientEvents } from '../contract/socket';

type Client = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal }>;
/** The console socket's ack wrapper: runs the work, answers `{data}` or `{error}`. */
type Answer = <T>(ack: ((reply: { data: T } | { error: { code: string; message: string } }) => void) | undefined, work: () => T | Promise<T>) => void;

/** Tracking and dispatch commands: each only unpacks the input and calls the application API. */
export function registerTrackingCommands(socket: Client, api: TrackingApi, answer: Answer): void {
  const actor = () => socket.data.principal;
  const { subjects, incidents } = api;
  const id = (input: unknown) => String((input as { id?: unknown } | null)?.id);
  const rest = <T extends object>(input: T | null | undefined): Omit<T, 'id'> => {
    const { id: _id, ...others } = (input ?? {}) as T & { id?: unknown };
    return others;
  };

  socket.on('report:create', (input, ack) => answer(ack, () => api.report(actor(), input)));
  socket.on('sighting:report', (input, ack) => answer(ack, () => api.reportSighting(actor(), input)));
  socket.on('sighting:link', (input, ack) => answer(ack, () => api.linkSighting(actor(), id(input), rest(input))));
  socket.on('subject:search', (input, ack) => answer(ack, () => subjects.list(actor(), input ?? {})));
  socket.on('subject:view', (input, ack) => answer(ack, () => subjects.view(actor(), id(input))));
  socket.on('subject:create', (input, ack) => answer(ack, () => subjects.create(actor(), input)));
  socket.on('subject:update', (input, ack) => answer(ack, () => subjects.update(actor(), id(input), input?.changes)));
  socket.on('cbo:create', (input, ack) => answer(ack, () => subjects.createCbo(actor(), input)));
  socket.on('cbo:issue', (input, ack) => answer(ack, () => subjects.issueCbo(actor(), id(input))));
  socket.on('cbo:extend', (input, ack) => answer(ack, () => subjects.extendCbo(actor(), id(input), rest(input))));
  socket.on('cbo:revoke', (input, ack) => answer(ack, () => subjects.revokeCbo(actor(), id(input), rest(input))));
  socket.on('breach:acknowledge', (input, ack) => answer(ack, () => api.acknowledgeBreach(actor(), id(input), rest(input))));
  socket.on('track:get', (input, ack) => answer(ack, () => api.track(actor(), String(input?.subjectId))));
  socket.on('incident:create', (input, ack) => answer(ack, () => incidents.create(actor(), input)));
  socket.on('incident:grade', (input, ack) => answer(ack, () => incidents.grade(actor(), id(input), rest(input))));
  socket.on('incident:candidates', (input, ack) => answer(ack, () => incidents.candidates(actor(), id(input))));
  socket.on('incident:dispatch', (input, ack) => answer(ack, () => incidents.dispatch(actor(), id(input), rest(input))));
  socket.on('incident:close', (input, ack) => answer(ack, () => incidents.close(actor(), id(input), rest(input))));
}
