import type { FastifySchemaValidationError } from 'fastify';

/** One `path: message` line per problem, as every TW_INVALID answer's `details` lists them. */
export function issueLine(path: readonly PropertyKey[], message: string): string {
  return `${path.length ? path.map(String).join('.') : '(root)'}: ${message}`;
}

/**
 * Fastify's validation errors (a route's zod schema, through fastify-type-provider-zod) as the
 * API's details: their `instancePath` is the zod path joined with `/` (`/place/lonLat/0`).
 */
export function validationDetails(errors: readonly FastifySchemaValidationError[]): string[] {
  return errors.map((e) =>
    issueLine(
      e.instancePath.split('/').filter((p) => p !== ''),
      e.message ?? 'invalid',
    ),
  );
}
