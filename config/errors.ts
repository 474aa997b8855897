import type { z } from 'zod';

/**
 * Every way a config can be wrong ends up as one of these, so the gateway's start-up code has a
 * single thing to catch and print. `issues` are `path: message` lines an engineer can act on
 * without reading a stack trace.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly string[];
  readonly file: string | undefined;

  constructor(issues: readonly string[], file?: string) {
    const header = file ? `invalid config ${file}` : 'invalid config';
    super(`${header}:\n${issues.join('\n')}`);
    this.issues = [...issues];
    this.file = file;
  }
}

/** `zones.2.neighbours.0.zone`, or `(root)` for the document itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => String(p)).join('.');
}

export function issueLine(path: readonly PropertyKey[], message: string): string {
  return `${formatPath(path)}: ${message}`;
}

/**
 * One line per problem. Unknown keys get their own path (`site.colour: unknown key`) rather
 * than zod's "Unrecognized key" on the parent, because the key is what the engineer must find.
 */
export function formatZodError(error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(issueLine([...issue.path, key], 'unknown key'));
    } else if (issue.code === 'invalid_key') {
      const why = issue.issues.map((i) => i.message).join('; ');
      lines.push(issueLine(issue.path, `invalid key${why ? `: ${why}` : ''}`));
    } else {
      lines.push(issueLine(issue.path, issue.message));
    }
  }
  return lines;
}

/**
 * How a command prints a ConfigError before exiting: one line per problem, each naming the key
 * (and, for an unset `${VAR}`, the variable), e.g. `sim: uplink.password: environment variable
 * TW_UPLINK_PASSWORD is not set (config /etc/townwatch/site.yaml)`.
 */
export function configErrorText(err: ConfigError, command: string): string {
  const where = err.file ? ` (config ${err.file})` : '';
  return err.issues.map((issue) => `${command}: ${issue}${where}\n`).join('');
}
