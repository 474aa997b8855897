/**
 * Kinds of account, and what a person may do in the console and the API. Defined with the
 * config schema (accounts are configured there); re-exported here as part of the contract.
 */
export { ACCOUNT_ROLES, CONSOLE_ROLES } from '../../config/schema';
import type { ACCOUNT_ROLES, CONSOLE_ROLES } from '../../config/schema';

export type AccountRole = (typeof ACCOUNT_ROLES)[number];
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];
