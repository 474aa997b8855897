import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/password';

/**
 * The regional service's commands besides running it (`npm run region -- <command>`):
 *
 * - `hash-token <name>`: a new random API token and the `name=scrypt$…` entry for `tokens:` or
 *   `TW_REGION_TOKENS`; the token is shown once, only its hash is ever stored.
 * - `retire <instance>`: see main.ts.
 */

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export async function hashToken(name: string | undefined, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (!name || !NAME_RE.test(name)) {
    process.stderr.write('usage: npm run region -- hash-token <name>   (name: lower-case letters, digits, . _ -)\n');
    return 2;
  }
  const token = randomBytes(24).toString('base64url');
  const hash = await hashPassword(token);
  out.write(
    [
      `token (give it to the analyst; it is not stored anywhere):`,
      `  Authorization: Bearer ${name}:${token}`,
      `config (region.yaml):`,
      `  tokens: [{ name: ${name}, hash: "${hash}" }]`,
      `or environment (single quotes: the hash holds $ signs the shell would expand):`,
      `  TW_REGION_TOKENS='${name}=${hash}'`,
      '',
    ].join('\n'),
  );
  return 0;
}
