import type { z } from 'zod';
import type { Principal } from '../auth/accounts';
import type { ConsoleRole } from '../contract/roles';
import { Errors } from '../http/errors';

/** The actor must be a person with one of these roles; returns their username for the journal. */
export function requireRole(actor: Principal, roles: readonly ConsoleRole[], what: string): string {
  if (!actor.consoleRole || !roles.includes(actor.consoleRole)) throw Errors.forbidden(what);
  return actor.username;
}

/** Parses a command's input; a mismatch names each path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw Errors.invalid(r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`));
  return r.data;
}
