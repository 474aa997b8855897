/**
 * People administration's constants, without zod or the config: the console bundles them.
 * The schemas are in ./people.ts.
 */

/** A temporary or chosen password: long enough to resist guessing, short enough to type. */
export const MIN_PASSWORD_LENGTH = 10;

/** The login answer's code when the password is right but must be replaced first (HTTP 403). */
export const PASSWORD_CHANGE_REQUIRED = 'TW_PASSWORD_CHANGE_REQUIRED';
