import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { SESSION_COOKIE } from '../auth/sessions';
import { CSRF_HEADER } from '../contract/api';
import { PERMISSIONS, routePolicy, type Permission, type RoutePolicy } from '../contract/policy';

/**
 * The REST API documented by the code: every route declares its zod schemas (params, query,
 * body) with a summary, tags and a security note; fastify validates requests with them, and
 * @fastify/swagger turns them into the OpenAPI document at `GET /api/openapi.json`. Swagger UI
 * shows it at `/api/docs` (engineers). Who may call each operation is written into the document
 * from the access policy, so the two cannot disagree.
 */

/** Where Swagger UI lives; its routes are in contract/policy.ts HTTP_ROUTES. */
export const DOCS_PREFIX = '/api/docs';

/** Logged-in callers: the console's session cookie, or an API token. */
export const LOGGED_IN: ReadonlyArray<Record<string, string[]>> = [{ session: [] }, { token: [] }];
/** No credentials (login, probes). */
export const OPEN: ReadonlyArray<Record<string, string[]>> = [];

export const TAGS = [
  { name: 'session', description: 'Logging in and out; who is logged in.' },
  { name: 'site', description: 'The town as the console draws it, the live state and the raw journal.' },
  { name: 'radio', description: 'Emergencies, radio alerts and texts with units.' },
  { name: 'evidence', description: 'Body-worn footage, docks, custody and evidence bundles.' },
  { name: 'cameras', description: 'CCTV cameras, their health, and marks on them.' },
  { name: 'tracking', description: 'Shop reports, sightings, tracks, breaches and hotspots.' },
  { name: 'subjects', description: 'Subjects and their criminal behaviour orders (CBOs).' },
  { name: 'incidents', description: 'Incidents: grade, dispatch, close, export.' },
  { name: 'members', description: 'Bulletins from the control room to member premises, and their receipts.' },
  { name: 'people', description: 'People administration: console accounts, roles, temporary passwords.' },
  { name: 'ops', description: 'Probes and metrics: open, no personal data.' },
  { name: 'docs', description: 'This document.' },
] as const;
export type Tag = (typeof TAGS)[number]['name'];

/**
 * A route's documentation: its summary, its tag and who may call it (logged in unless `OPEN`).
 * Spread into the route's `schema` beside its zod `params`, `querystring` and `body`.
 */
export function op(
  tag: Tag,
  summary: string,
  security: ReadonlyArray<Record<string, string[]>> = LOGGED_IN,
): { summary: string; tags: Tag[]; security: Array<Record<string, string[]>> } {
  return { summary, tags: [tag], security: [...security] };
}

/** The route's access policy in words, for its operation's description. */
export function policyNote(policy: RoutePolicy | undefined): string {
  if (policy === undefined) return 'Not in the access policy: refused.';
  if (policy === 'public') return 'Open: no login.';
  if (policy === 'authenticated') return 'Any logged-in person or API token.';
  const perms: readonly Permission[] = typeof policy === 'string' ? [policy] : policy;
  const parts = perms.map((p) => `\`${p}\` (${PERMISSIONS[p].what}; roles: ${PERMISSIONS[p].roles.join(', ')})`);
  return `Needs ${parts.join(' or ')}.`;
}

/**
 * Sets the zod compilers and registers @fastify/swagger: call before the routes are registered
 * (swagger collects them as they are added). Returns the app typed for zod schemas.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<FastifyInstance> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Townwatch gateway REST API',
        version,
        description:
          "The REST API of a Townwatch edge gateway, generated from its routes' zod schemas. Every answer is `{ data }` or " +
          '`{ error: { code, message, details? } }`; a request that does not match its schema gets 400 `TW_INVALID` with one ' +
          `\`path: message\` per problem in \`details\`. Log in with \`POST /api/login\` (cookie \`${SESSION_COOKIE}\`); with the ` +
          `cookie, every state change also carries the session's CSRF token as \`${CSRF_HEADER}\`. Machines use ` +
          '`Authorization: Bearer <name>:<token>`. Who may call what is the access policy (gateway/contract/policy.ts), ' +
          'quoted in each operation.',
      },
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: `From POST /api/login; state changes also need the \`${CSRF_HEADER}\` header.`,
          },
          token: { type: 'http', scheme: 'bearer', description: 'An API token of a machine account: `<name>:<token>`.' },
        },
      },
      tags: TAGS.map((t) => ({ ...t })),
    },
    transform: (doc) => {
      const out = jsonSchemaTransform(doc);
      const schema = out.schema as { hide?: boolean; description?: string };
      if (schema.hide) return out;
      const methods = Array.isArray(doc.route.method) ? doc.route.method : [doc.route.method];
      const note = policyNote(routePolicy(methods[0]!, doc.url));
      return { ...out, schema: { ...out.schema, description: schema.description ? `${schema.description}\n\n${note}` : note } };
    },
  });
  return app;
}

/**
 * The document (`GET /api/openapi.json`, any logged-in person) and Swagger UI (`/api/docs`,
 * `api.docs`). Swagger UI's page loads only its own scripts and stylesheets (no inline code;
 * React sets its inline styles through the CSSOM, which CSP allows), so the console's strict
 * Content-Security-Policy applies to it unchanged: no relaxed policy anywhere.
 */
export async function registerOpenApiRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/openapi.json',
    {
      schema: op('docs', 'This OpenAPI document'),
    },
    async () => app.swagger(),
  );
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: {
      // Without the standalone top bar: its Swagger logo is an inline SVG carrying a <style>
      // element, which `style-src 'self'` refuses (and the bar's URL box has no use here).
      layout: 'BaseLayout',
      docExpansion: 'list',
      deepLinking: true,
      // "Try it out" only for reads: a state change needs the session's CSRF token, which this page does not hold.
      supportedSubmitMethods: ['get'],
    },
    // Nothing leaves for the public validator badge (validator.swagger.io).
    validatorUrl: false,
  });
}
