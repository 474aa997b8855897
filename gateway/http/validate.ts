import type { z } from 'zod';
import { Errors } from './errors';

/** Parses a request part with its contract schema; a mismatch is a 400 naming each path. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw Errors.invalid(result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`));
}
