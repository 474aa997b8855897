import { issueLine } from './errors';

/**
 * `${NAME}` in any string value is replaced from the environment, so secrets (password hashes,
 * camera credentials) can stay out of the file. `$${` is a literal `${`. Substitution happens
 * on parsed values, never on the YAML text, so an environment value cannot inject YAML
 * structure. Every problem is collected, not just the first, so one run shows them all.
 */

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvProblem {
  path: (string | number)[];
  /** `uplink.password: environment variable TW_UPLINK_PASSWORD is not set` */
  line: string;
}

export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv): { value: unknown; issues: string[]; problems: EnvProblem[] } {
  const problems: EnvProblem[] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') return substituteString(v, env, (msg) => problems.push({ path, line: issueLine(path, msg) }));
    if (Array.isArray(v)) return v.map((item: unknown, i) => walk(item, [...path, i]));
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...path, k]);
      return out;
    }
    return v;
  };
  const out = walk(value, []);
  return { value: out, issues: problems.map((p) => p.line), problems };
}

export function substituteString(s: string, env: NodeJS.ProcessEnv, fail: (message: string) => void): string {
  if (!s.includes('${')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      out += '${';
      i += 3;
    } else if (s.startsWith('${', i)) {
      const end = s.indexOf('}', i + 2);
      if (end < 0) {
        fail('unterminated "${" (write "$${" for a literal "${")');
        return s;
      }
      const name = s.slice(i + 2, end);
      const found = env[name];
      if (!NAME_RE.test(name)) fail(`"\${${name}}" is not a valid environment variable name`);
      else if (found === undefined) fail(`environment variable ${name} is not set`);
      else out += found;
      i = end + 1;
    } else {
      out += s[i];
      i += 1;
    }
  }
  return out;
}
