import type { Server, Socket } from 'socket.io';
import type { Principal } from '../auth/accounts';
import { actingRole, can, SOCKET_STREAMS } from '../contract/policy';
import type { ClientToServerEvents, ServerToClientEvents } from '../contract/socket';
import type { IncidentRecord } from '../contract/tracking-views';
import type { BulletinsProjection } from '../projections/bulletins';
import { inboxView } from '../projections/bulletins';

/** Consoles that see every bulletin and its receipts. */
const ROOM_ALL = 'bulletins';
/** A member premises' consoles: only what went to that premises. */
const premisesRoom = (premisesId: string) => `bulletins:premises:${premisesId}`;
/** A member premises' consoles, for the incidents it reported. */
const incidentsRoom = (premisesId: string) => `incidents:premises:${premisesId}`;

type AnyServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal }>;
type AnySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal }>;

/**
 * Bulletins to members, live. A console whose role sees bulletins joins one room; a member's
 * joins its own premises' room and gets only that premises' view of each bulletin (its own
 * receipt, never who else it went to). The rooms are the whole scoping: a bulletin is emitted to
 * the rooms of the premises it went to, and to no other.
 */
export function joinBulletinRooms(socket: AnySocket): void {
  const p = socket.data.principal;
  const role = actingRole(p);
  if (can(role, SOCKET_STREAMS['bulletins:state'])) void socket.join(ROOM_ALL);
  else if (can(role, SOCKET_STREAMS['bulletins:inbox']) && p.premisesId) void socket.join(premisesRoom(p.premisesId));
  // A member's own reports, live: status, units and outcome as the control room works them.
  if (!can(role, 'incident.view') && can(role, SOCKET_STREAMS['incidents:own']) && p.premisesId) void socket.join(incidentsRoom(p.premisesId));
}

/** Incidents that changed, to the consoles of the premises each came from (already without the caller). */
export function broadcastOwnIncidents(io: AnyServer, incidents: readonly IncidentRecord[]): void {
  const byPremises = new Map<string, IncidentRecord[]>();
  for (const i of incidents) {
    if (!i.premisesId) continue;
    byPremises.set(i.premisesId, [...(byPremises.get(i.premisesId) ?? []), i]);
  }
  for (const [premisesId, list] of byPremises) io.to(incidentsRoom(premisesId)).emit('incidents:own', list);
}

/** After a committed batch: the bulletins it sent or changed, to the rooms that may see them. */
export function broadcastBulletins(io: AnyServer, bulletins: BulletinsProjection): void {
  const changed = bulletins.takeChanged();
  if (changed.length === 0) return;
  io.to(ROOM_ALL).emit('bulletins:state', changed);
  const byPremises = new Map<string, ReturnType<typeof inboxView>[]>();
  for (const b of changed) {
    for (const r of b.recipients) {
      const list = byPremises.get(r.premisesId) ?? [];
      list.push(inboxView(b, r));
      byPremises.set(r.premisesId, list);
    }
  }
  for (const [premisesId, list] of byPremises) io.to(premisesRoom(premisesId)).emit('bulletins:inbox', list);
}
