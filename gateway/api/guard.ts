import type { z } from 'zod';
import type { Principal } from '../auth/accounts';
import { actingRole, can, PERMISSIONS, type Permission } from '../contract/policy';
import { Errors } from '../http/errors';
import { issueLine } from '../http/validate';

/**
 * The actor's role must hold `permission` in the access policy (contract/policy.ts); returns
 * their username for the journal. `what` names the action in the refusal.
 */
export function requirePermission(actor: Principal, permission: Permission, what: string = PERMISSIONS[permission].what): string {
  if (!can(actingRole(actor), permission)) throw Errors.forbidden(what);
  return actor.username;
}

/** Parses a command's input; a mismatch names each path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw Errors.invalid(r.error.issues.map((i) => issueLine(i.path, i.message)));
  return r.data;
}
