import { z } from 'zod';
import { CONSOLE_ROLES, USERNAME_RE } from '../../config/schema';
import { MIN_PASSWORD_LENGTH } from './people-rules';
import type { ConsoleRole } from './roles';

export { MIN_PASSWORD_LENGTH, PASSWORD_CHANGE_REQUIRED } from './people-rules';

/**
 * People administration (`/api/users`): the security manager's list of the people who use the
 * console, and what may be changed about them. Passwords go in (a temporary one, typed by the
 * security manager and told to the person), never out: no response carries a password or a hash.
 */

const Password = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(256);
const Username = z.string().regex(USERNAME_RE, 'must be 2-63 of a-z 0-9 . _ - starting with a letter or digit');
const DisplayName = z.string().trim().min(1, 'must not be empty').max(100);
const PremisesId = z.string().min(1).max(128);

export const UserParams = z.strictObject({ username: z.string().min(1).max(64) });

export const NewUserInput = z.strictObject({
  username: Username,
  displayName: DisplayName,
  consoleRole: z.enum(CONSOLE_ROLES),
  /** Required for a member (the premises they report for); refused for every other role. */
  premisesId: PremisesId.nullable().optional(),
  temporaryPassword: Password,
});
export type NewUserInput = z.infer<typeof NewUserInput>;

/** Any of these; a role change to or from member must say the premises too. */
export const UserPatch = z
  .strictObject({
    displayName: DisplayName.optional(),
    consoleRole: z.enum(CONSOLE_ROLES).optional(),
    premisesId: PremisesId.nullable().optional(),
    disabled: z.boolean().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'nothing to change');
export type UserPatch = z.infer<typeof UserPatch>;

export const PasswordResetInput = z.strictObject({ temporaryPassword: Password });
export type PasswordResetInput = z.infer<typeof PasswordResetInput>;

/** `POST /api/login/password`: log in with the current (temporary) password and replace it. */
export const PasswordChangeInput = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
  newPassword: Password,
});
export type PasswordChangeInput = z.infer<typeof PasswordChangeInput>;

/** Where an account's current settings come from (see README "People and accounts"). */
export type AccountSource = 'config' | 'database';

/** A person as the security manager's screen lists them. */
export interface PersonView {
  username: string;
  /** The name people read; a configured account without one shows its username. */
  displayName: string;
  consoleRole: ConsoleRole;
  premisesId: string | null;
  disabled: boolean;
  /** A temporary password was set: the next login must choose a new one before anything else. */
  mustChangePassword: boolean;
  /** `config`: as the YAML bootstrap has it; `database`: added or changed on the screen. */
  source: AccountSource;
  /** Last change on the screen (ISO time); null for an account only in the config. */
  updatedAt: string | null;
  updatedBy: string | null;
}
