import type { ConsoleRole } from './roles';
import type { ClientToServerEvents, ServerToClientEvents } from './socket';

/**
 * The one access policy of Townwatch: what each console role may do (named permissions), which
 * permission each HTTP route, Socket.IO command and live stream needs, and which MQTT topics a
 * person's console account may read. The broker ACL (gateway/broker/acl.ts), the HTTP route
 * guard (gateway/http/route-policy.ts), the console socket, the application API's checks and
 * the console's buttons (console/src/roles.ts) are all derived from these tables; the README's
 * "Who can see and do what" is generated from them (`npm run policy:docs`).
 *
 * Fail closed everywhere: a route, socket event or topic missing from these tables is refused.
 * Data only (no runtime imports): the console bundles it.
 */

interface PermissionSpec {
  roles: readonly ConsoleRole[];
  /** Completes "your role may not …" and the README table. */
  what: string;
  /** Where it is checked, for one that guards no route or socket command of its own (the README table). */
  where?: string;
}

const C = 'controller',
  O = 'cctv-operator',
  S = 'security-manager',
  P = 'police',
  E = 'engineer',
  M = 'member';

export const PERMISSIONS = {
  'live.view': { roles: [C, O, S, P, E], what: 'see the live operational picture (state, live log, units)' },
  'journal.read': { roles: [C, E], what: 'read the raw journal and the quarantine' },
  // Where every officer was, minute by minute, is personal data beyond what a live picture shows:
  // only the roles that may read radios' positions as data (mqtt.units) may go back in time.
  'replay.view': {
    roles: [C, P, O, S],
    what: 'replay the town at a past time (positions, tracks, incidents and orders)',
    where: 'inside `GET /api/state` when it is given `at` (the live state needs live.view only)',
  },
  'emergency.view': { roles: [C, P, O, S, E], what: 'see emergencies' },
  'emergency.respond': { roles: [C], what: 'acknowledge and resolve emergencies' },
  'alert.send': { roles: [C], what: 'send radio alerts' },
  // An alert's words can name a person (a breach alert names the subject): not the engineer's, who
  // tests radio delivery with the simulators and reads the health of the links.
  'alert.view': { roles: [C, P], what: 'see alerts and their delivery' },
  'message.view': { roles: [C, P], what: 'read the conversations with units (radio texts in and out) and mark them read' },
  'message.send': { roles: [C], what: "send a text to one unit's radio" },
  'evidence.view': { roles: [S, P, C], what: 'see evidence, docks and the chain of custody' },
  'evidence.handle': { roles: [S, P], what: 'mark evidence, put it on hold and export bundles' },
  'cameras.view': { roles: [O, C, P, S, E], what: 'see the cameras and their health' },
  'video.watch': { roles: [O, C, P, S], what: 'watch live video', where: 'the video WebSocket `/video/<cameraId>`' },
  'cctv.mark': { roles: [O, C, P], what: 'mark sightings and bookmarks on camera' },
  'cctv.record': { roles: [O, C, P], what: 'record a clip from a live camera into evidence (attached to an incident when one is named)' },
  'cctv.fault.report': { roles: [O, C, E], what: 'report camera faults' },
  'report.create': { roles: [M, C], what: 'report for a premises' },
  // Bulletins to the members' shops: the roles that also decide who is shared with members.
  'bulletin.send': { roles: [C, P], what: 'send bulletins and alerts to member premises (their page and shop terminals)' },
  'bulletin.view': { roles: [C, P], what: 'see the bulletins sent to members and, per premises, whether each was delivered and read' },
  'bulletin.receive': { roles: [M], what: 'receive the bulletins sent to its own premises and mark them read' },
  'sighting.report': { roles: [C, P, O, S], what: 'report sightings' },
  'tracking.view': { roles: [C, P, O, S], what: 'see sightings, tracks, breaches and hotspots' },
  'breach.respond': { roles: [C, P, O], what: 'acknowledge breaches and link sightings to subjects' },
  'incident.view': { roles: [C, P, O, S], what: 'see incidents' },
  'incident.view-own': { roles: [M], what: 'see the incidents its own premises reported' },
  'incident.manage': { roles: [C, P], what: 'open incidents, rank units and close incidents' },
  // A caller's name and number are for calling back and for the investigation: never in the live picture.
  'incident.caller': {
    roles: [C, P],
    what: "see who called about an incident (name and number, from the incident's own record)",
    where: 'inside `GET /api/incidents/:id`, each look journaled, and the raw journal (lists, and other roles, get the incident without its caller)',
  },
  'incident.dispatch': { roles: [C], what: 'grade incidents and dispatch units' },
  'tracking.export': { roles: [C, P], what: 'export tracks and incidents' },
  'subjects.view': { roles: [C, P, S, O, M], what: 'see subjects and orders (members: only what is shared with members)' },
  'subjects.identity': {
    roles: [C, P, S, O],
    what: "see subjects' identity and warning markers",
    where: 'inside every subjects and tracking read (others get the redacted gallery) and the live watch list',
  },
  'subjects.edit': { roles: [C, P], what: 'add and edit subjects, put them on the watch list and record orders' },
  // Showing a person to the members' shops is the control room's or police's decision, and
  // always ends: every share carries an expiry.
  'subjects.share': { roles: [C, P], what: 'share subjects with members until an expiry, and withdraw them' },
  // Who may use the console at all, and as what: the security manager's alone.
  'people.manage': { roles: [S], what: 'add people, set their role and premises, reset passwords and disable accounts' },
  // The browsable REST reference (Swagger UI) is for the engineers who integrate with the
  // gateway; the document itself (`GET /api/openapi.json`) is open to anyone logged in.
  'api.docs': { roles: [E], what: "browse the REST API's documentation" },
  // Read rights on the MQTT broker (a person's console account connecting over MQTT).
  'mqtt.units': { roles: [C, P, O, S], what: "read radios' positions, status and emergencies over MQTT" },
  'mqtt.health': { roles: [C, P, O, S, E], what: 'read device health (radio presence, camera faults) over MQTT' },
  'mqtt.radio-traffic': { roles: [C, P], what: 'read radio texts, push-to-talk, receipts and downlinks over MQTT' },
  'mqtt.reports': { roles: [C, P, O, S], what: "read every premises' shop reports, bulletins and bulletin receipts over MQTT" },
  'mqtt.own-premises': { roles: [M], what: "read its own premises' shop reports, bulletins and bulletin receipts over MQTT" },
  'mqtt.cctv': { roles: [C, P, O, S], what: "read camera operators' sightings and bookmarks over MQTT" },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: string | null | undefined, permission: Permission): boolean {
  const spec: PermissionSpec | undefined = PERMISSIONS[permission];
  return role != null && spec !== undefined && (spec.roles as readonly string[]).includes(role);
}

export function rolesWith(permission: Permission): readonly ConsoleRole[] {
  return PERMISSIONS[permission].roles;
}

/**
 * The console role an account acts with. People have one; the `service` account's API token
 * acts as an engineer (health and the raw journal, no personal data); other machines have none.
 */
export function actingRole(p: { role: string; consoleRole: ConsoleRole | null }): ConsoleRole | null {
  return p.consoleRole ?? (p.role === 'service' ? 'engineer' : null);
}

/**
 * `public`: anyone (probes, login, the console's static files). `authenticated`: any logged-in
 * person or API token; the handler decides what it shows. A permission: only roles holding it;
 * a list: roles holding any of them (the handler narrows, e.g. a member's own premises).
 */
export type RoutePolicy = 'public' | 'authenticated' | Permission | readonly Permission[];

/** May this role call a route with this policy (given it is logged in)? */
export function mayCall(role: string | null, policy: RoutePolicy): boolean {
  if (policy === 'public' || policy === 'authenticated') return true;
  return (typeof policy === 'string' ? [policy] : policy).some((p) => can(role, p));
}

/** Every HTTP route of the gateway, `METHOD path` as registered. A route not listed here fails startup. */
export const HTTP_ROUTES: Readonly<Record<string, RoutePolicy>> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'POST /api/login': 'public',
  // The built console (static files and the single-page fallback); no data.
  'GET /*': 'public',
  // Log in with a temporary (or the current) password and replace it: checked as a login is.
  'POST /api/login/password': 'public',
  'POST /api/logout': 'authenticated',
  'GET /api/me': 'authenticated',
  // Every role gets the map's base layers; operational layers need live.view (console-routes.ts).
  'GET /api/site': 'authenticated',
  'GET /api/journal': 'journal.read',
  'GET /api/quarantine': 'journal.read',
  'GET /api/state': 'live.view',
  'GET /api/replay': 'replay.view',
  'GET /api/emergencies': 'emergency.view',
  'POST /api/emergencies/:id/acknowledge': 'emergency.respond',
  'POST /api/emergencies/:id/resolve': 'emergency.respond',
  'POST /api/alerts': 'alert.send',
  'GET /api/alerts/:id': 'alert.view',
  'GET /api/messages': 'message.view',
  'GET /api/log': 'live.view',
  'POST /api/units/:id/messages': 'message.send',
  'POST /api/units/:id/messages/read': 'message.view',
  'GET /api/evidence': 'evidence.view',
  'GET /api/docks': 'evidence.view',
  'GET /api/evidence/alarms': 'evidence.view',
  'POST /api/evidence/alarms/:id/ack': 'evidence.handle',
  'GET /api/evidence/:id': 'evidence.view',
  'GET /api/evidence/:id/custody': 'evidence.view',
  'GET /api/evidence/:id/media': 'evidence.view',
  'POST /api/cameras/:id/clips': 'cctv.record',
  'POST /api/evidence/:id/evidential': 'evidence.handle',
  'POST /api/evidence/:id/hold': 'evidence.handle',
  'POST /api/evidence/bundles': 'evidence.handle',
  'GET /api/evidence/bundles/:id': 'evidence.handle',
  'GET /api/cameras': 'cameras.view',
  'GET /api/cameras.geojson': 'cameras.view',
  'GET /api/cameras/:id': 'cameras.view',
  'POST /api/cameras/:id/sightings': 'cctv.mark',
  'POST /api/cameras/:id/bookmarks': 'cctv.mark',
  'POST /api/cameras/:id/faults': 'cctv.fault.report',
  'POST /api/reports': 'report.create',
  'POST /api/sightings': 'sighting.report',
  'POST /api/reports/photos': 'report.create',
  // Members too, for their own premises' reports (the handler decides, as for a subject's record).
  'GET /api/reports/:id/photos/:sha256': ['incident.view', 'report.create'],
  'GET /api/sightings/unlinked': 'tracking.view',
  'POST /api/sightings/:id/link': 'breach.respond',
  'GET /api/subjects': 'subjects.view',
  'POST /api/subjects': 'subjects.edit',
  'GET /api/subjects/:id': 'subjects.view',
  'PATCH /api/subjects/:id': 'subjects.edit',
  'POST /api/subjects/:id/watch': 'subjects.edit',
  'POST /api/subjects/:id/photo': 'subjects.edit',
  // Members too, for a subject shared with them (the handler decides, as for the record).
  'GET /api/subjects/:id/photo': 'subjects.view',
  'POST /api/subjects/:id/unwatch': 'subjects.edit',
  'POST /api/subjects/:id/share': 'subjects.share',
  'POST /api/subjects/:id/withdraw': 'subjects.share',
  'GET /api/subjects/:id/track': 'tracking.view',
  'GET /api/subjects/:id/track/export': 'tracking.export',
  'GET /api/tracks': 'tracking.view',
  'GET /api/cbos': 'subjects.view',
  'POST /api/cbos': 'subjects.edit',
  'POST /api/cbos/:id/issue': 'subjects.edit',
  'POST /api/cbos/:id/extend': 'subjects.edit',
  'POST /api/cbos/:id/revoke': 'subjects.edit',
  'GET /api/breaches': 'tracking.view',
  'POST /api/breaches/:id/acknowledge': 'breach.respond',
  'GET /api/incidents': ['incident.view', 'incident.view-own'],
  'POST /api/incidents': 'incident.manage',
  'GET /api/incidents/:id': ['incident.view', 'incident.view-own'],
  'POST /api/incidents/:id/grade': 'incident.dispatch',
  'GET /api/incidents/:id/candidates': 'incident.manage',
  'POST /api/incidents/:id/dispatch': 'incident.dispatch',
  'POST /api/incidents/:id/close': 'incident.manage',
  'GET /api/incidents/:id/export': 'tracking.export',
  'GET /api/hotspots': 'tracking.view',
  // Members too: the handler gives them only their own premises' bulletins, without the others' receipts.
  'GET /api/bulletins': ['bulletin.view', 'bulletin.receive'],
  'POST /api/bulletins': 'bulletin.send',
  'POST /api/bulletins/:id/receipt': 'bulletin.receive',
  'GET /api/users': 'people.manage',
  'POST /api/users': 'people.manage',
  'PATCH /api/users/:username': 'people.manage',
  'POST /api/users/:username/password': 'people.manage',
  // The OpenAPI document of this table's /api routes, generated from their zod schemas.
  'GET /api/openapi.json': 'authenticated',
  // Swagger UI (@fastify/swagger-ui under /api/docs): its page, assets and its copy of the document.
  'GET /api/docs': 'api.docs',
  // Fastify adds `GET /api/docs/` from the same route options (so with this policy) without an
  // onRoute of its own; its HEAD twin gets one.
  'HEAD /api/docs/': 'api.docs',
  'GET /api/docs/static/index.html': 'api.docs',
  'GET /api/docs/static/swagger-initializer.js': 'api.docs',
  'GET /api/docs/json': 'api.docs',
  'GET /api/docs/yaml': 'api.docs',
  'GET /api/docs/static/*': 'api.docs',
};

/** The policy of a registered route; HEAD shares its GET's. `undefined`: not declared (refused at startup). */
export function routePolicy(method: string, url: string): RoutePolicy | undefined {
  return HTTP_ROUTES[`${method} ${url}`] ?? (method === 'HEAD' ? HTTP_ROUTES[`GET ${url}`] : undefined);
}

/** The regional service's HTTP API: API tokens only. */
export type RegionRoutePolicy = 'public' | 'token';
export const REGION_ROUTES: Readonly<Record<string, RegionRoutePolicy>> = {
  'GET /healthz': 'public',
  // Probes and scraping: subscribed or not, per-site gauges; no personal data.
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /api/subjects': 'token',
  'GET /api/sites/:siteId/subjects/:subjectId/sightings': 'token',
  'GET /api/sites': 'token',
  'GET /api/sites/:siteId/chain-breaks': 'token',
  'GET /api/sites/:siteId/incidents': 'token',
  'GET /api/sites/:siteId/withdrawals': 'token',
};

export function regionRoutePolicy(method: string, url: string): RegionRoutePolicy | undefined {
  return REGION_ROUTES[`${method} ${url}`] ?? (method === 'HEAD' ? REGION_ROUTES[`GET ${url}`] : undefined);
}

/** Console socket commands (client → server). Typed: a command without a permission does not compile. */
export const SOCKET_COMMANDS: Readonly<Record<keyof ClientToServerEvents, Permission>> = {
  'emergency:acknowledge': 'emergency.respond',
  'emergency:resolve': 'emergency.respond',
  'alert:send': 'alert.send',
  'report:create': 'report.create',
  'sighting:report': 'sighting.report',
  'sighting:link': 'breach.respond',
  'subject:search': 'subjects.view',
  'subject:view': 'subjects.view',
  'subject:create': 'subjects.edit',
  'subject:update': 'subjects.edit',
  'cbo:create': 'subjects.edit',
  'cbo:issue': 'subjects.edit',
  'cbo:extend': 'subjects.edit',
  'cbo:revoke': 'subjects.edit',
  'breach:acknowledge': 'breach.respond',
  'track:get': 'tracking.view',
  'incident:create': 'incident.manage',
  'incident:grade': 'incident.dispatch',
  'incident:candidates': 'incident.manage',
  'incident:dispatch': 'incident.dispatch',
  'incident:close': 'incident.manage',
};

export function socketCommandPermission(event: string): Permission | undefined {
  return Object.prototype.hasOwnProperty.call(SOCKET_COMMANDS, event) ? SOCKET_COMMANDS[event as keyof ClientToServerEvents] : undefined;
}

/** Console socket streams (server → client): who gets them at all. */
export const SOCKET_STREAMS: Readonly<Record<keyof ServerToClientEvents, Permission>> = {
  'state:snapshot': 'live.view',
  'journal:events': 'live.view',
  'units:positions': 'live.view',
  'units:state': 'live.view',
  'incidents:state': 'incident.view',
  'bulletins:state': 'bulletin.view',
  'bulletins:inbox': 'bulletin.receive',
  'incidents:own': 'incident.view-own',
  'emergency:raising': 'emergency.view',
};
/**
 * What a role must hold, beyond `live.view`, to see a journal event in the live picture: the
 * live stream (`journal:events`), the Live log's history, and a snapshot's parts. By event type
 * or dotted prefix; the first match wins, and a type no entry matches needs `live.view` only. The
 * same permissions guard the panels and APIs of these things, and MQTT's read rights mirror them
 * (`mqtt.radio-traffic`, `mqtt.reports`, `mqtt.cctv`): a role that may not open the incidents
 * panel does not read incidents in the Live log either. In the raw journal (`journal.read`) such
 * an event keeps its header and chain, and its payload loses what identifies or locates a person
 * (contract/personal.ts, by the event catalogue's `privacy`).
 */
export const LIVE_EVENT_PERMISSIONS: ReadonlyArray<readonly [string, Permission]> = [
  ['evidence.', 'evidence.view'],
  ['incident.', 'incident.view'],
  ['shop.', 'incident.view'],
  ['report.', 'incident.view'],
  ['sighting.', 'tracking.view'],
  ['track.', 'tracking.view'],
  ['breach.', 'tracking.view'],
  ['cctv.sighting', 'tracking.view'],
  ['cctv.bookmark', 'tracking.view'],
  ['frigate.event', 'tracking.view'],
  ['hotspots.viewed', 'tracking.view'],
  ['export.created', 'tracking.view'],
  ['subject.', 'subjects.view'],
  ['cbo.', 'subjects.view'],
  ['radio.text', 'message.view'],
  ['message.', 'message.view'],
  ['radio.receipt', 'alert.view'],
  ['alert.', 'alert.view'],
  ['bulletin.', 'bulletin.view'],
  ['emergency.', 'emergency.view'],
  ['state.', 'replay.view'],
  ['user.', 'people.manage'],
  ['auth.', 'journal.read'],
  ['security.', 'journal.read'],
];

/** Each type's answer, once: the console socket asks for every event it broadcasts, per role. */
const livePermissionOf = new Map<string, Permission | null>();

/** The permission a role needs, beyond `live.view`, to see events of this type live (see LIVE_EVENT_PERMISSIONS). */
export function liveEventPermission(type: string): Permission | null {
  let permission = livePermissionOf.get(type);
  if (permission === undefined) {
    permission = LIVE_EVENT_PERMISSIONS.find(([match]) => (match.endsWith('.') ? type.startsWith(match) : type === match))?.[1] ?? null;
    livePermissionOf.set(type, permission);
  }
  return permission;
}

/** Whether a role sees events of this type in the live picture. Fails closed: no role, nothing. */
export function seesLive(role: string | null | undefined, type: string): boolean {
  if (!can(role, 'live.view')) return false;
  const permission = liveEventPermission(type);
  return permission === null || can(role, permission);
}

/**
 * MQTT read rights of a person's console account, per contract topic (by name): any of the
 * listed permissions lets its holder subscribe. `own: 'premisesId'`: only with the account's own
 * premises in the topic. A topic missing here can be read by no console account. Device
 * accounts' rights come from the topic contract itself (`roles`, bound to their ISSI,
 * talkgroups or premises); the `service` account reads everything.
 */
export interface TopicRead {
  permission: Permission;
  own?: 'premisesId';
}

const units: TopicRead[] = [{ permission: 'mqtt.units' }];
const traffic: TopicRead[] = [{ permission: 'mqtt.radio-traffic' }];

export const MQTT_CONSOLE_READ: Readonly<Record<string, readonly TopicRead[]>> = {
  'radio.position': units,
  'radio.status': units,
  'radio.emergency': units,
  'radio.presence': [{ permission: 'mqtt.health' }],
  'radio.ptt': traffic,
  'radio.text': traffic,
  'radio.receipt': traffic,
  'radio.downlink': traffic,
  'talkgroup.downlink': traffic,
  'shop.report': [{ permission: 'mqtt.reports' }, { permission: 'mqtt.own-premises', own: 'premisesId' }],
  'shop.downlink': [{ permission: 'mqtt.reports' }, { permission: 'mqtt.own-premises', own: 'premisesId' }],
  'shop.receipt': [{ permission: 'mqtt.reports' }, { permission: 'mqtt.own-premises', own: 'premisesId' }],
  'cctv.sighting': [{ permission: 'mqtt.cctv' }],
  'cctv.bookmark': [{ permission: 'mqtt.cctv' }],
  'cctv.fault': [{ permission: 'mqtt.health' }],
};
