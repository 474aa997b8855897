import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import type { RoutePolicy } from '../contract/policy';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's access policy, attached from the policy table when the route is registered. */
    policy?: string | readonly string[];
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  policy: string | readonly string[];
  /** The route's schema as declared (zod parts, summary, tags, security); undefined when it has none. */
  schema: (FastifySchema & { summary?: string; tags?: readonly string[]; hide?: boolean }) | undefined;
}

const declared = new WeakMap<object, DeclaredRoute[]>();

/** Every route registered on `app` with the policy it got: the route table, for tests and docs. */
export function declaredRoutes(app: object): readonly DeclaredRoute[] {
  return declared.get(app) ?? [];
}

/**
 * Attaches each route's access policy from `lookup` as it is registered, and refuses to register
 * a route the policy does not name: a new route fails startup until someone decides who may
 * call it. The guard reads the policy of the route the router MATCHED (`req.routeOptions`), so
 * an encoded path (`/%61pi/…`) gets the same answer as the plain one.
 */
export function declareRoutePolicies<P extends string | readonly string[]>(
  app: FastifyInstance,
  lookup: (method: string, url: string) => P | undefined,
  where: string,
): void {
  const table: DeclaredRoute[] = [];
  declared.set(app, table);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const policies = new Set(methods.map((m) => lookup(m, route.url)));
    const [policy] = [...policies];
    if (policies.size !== 1 || policy === undefined) {
      throw new Error(`route ${methods.join(',')} ${route.url} has no access policy: declare it in ${where}`);
    }
    route.config = { ...route.config, policy };
    for (const method of methods) table.push({ method, url: route.url, policy, schema: route.schema });
  });
}

/** The policy of the route a request matched; `undefined` when none did (the not-found handler). */
export function matchedPolicy<P extends string | readonly string[] = RoutePolicy>(req: {
  routeOptions: { config: { policy?: string | readonly string[] } };
}): P | undefined {
  return req.routeOptions.config.policy as P | undefined;
}
