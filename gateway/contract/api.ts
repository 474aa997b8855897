import { z } from 'zod';

/** Bodies and queries of the REST API; the console uses the same types. */

export const LoginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const PageQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export interface Me {
  username: string;
  consoleRole: string | null;
  premisesId: string | null;
}

/** Every response: `{ data }` on success, `{ error: { code, message } }` on failure. */
export type ApiResponse<T> = { data: T } | { error: { code: string; message: string; details?: unknown } };
