/**
 * `npm run journal -- verify | tail [-n N] | export --from <time> --to <time>` on the journal
 * of the configured site (or `--db <file>`). Opens the database read-only: safe while the
 * gateway runs.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configErrorText } from '../../config/errors';
import { ConfigError, loadConfig, resolveConfigPath } from '../../config/load';
import { JournalReader } from '../journal/reader';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    n: { type: 'string', short: 'n', default: '20' },
  },
});

function dbPath(): string {
  if (values.db) return resolve(values.db);
  // Only the journal's path is read: an unset `${VAR}` of another section (the uplink's) is no error here.
  return resolve(loadConfig(resolveConfigPath(), process.env, { lazyEnv: true }).gateway.journal.path);
}

function time(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`not a time: ${s}`);
  return t;
}

function run(): number {
  const command = positionals[0];
  const journal = JournalReader.open(dbPath());
  try {
    switch (command) {
      case 'verify': {
        const r = journal.verify();
        if (r.ok) {
          process.stdout.write(`ok ${r.count} events, head ${r.head}\n`);
          return 0;
        }
        process.stdout.write(`broken at seq ${r.seq}: ${r.reason} (${r.count} events verified before it)\n`);
        return 1;
      }
      case 'tail': {
        const events = journal.events({ newestFirst: true, limit: Number(values.n) });
        for (const e of events.reverse()) process.stdout.write(`${JSON.stringify(e)}\n`);
        return 0;
      }
      case 'export': {
        for (const e of journal.iterate({ fromTs: time(values.from, 0), toTs: time(values.to, Number.MAX_SAFE_INTEGER) })) {
          process.stdout.write(`${JSON.stringify(e)}\n`);
        }
        return 0;
      }
      default:
        process.stderr.write('usage: npm run journal -- verify | tail [-n N] | export [--from T] [--to T]  [--db FILE]\n');
        return 2;
    }
  } finally {
    journal.close();
  }
}

try {
  process.exitCode = run();
} catch (err) {
  if (err instanceof ConfigError) process.stderr.write(configErrorText(err, 'journal'));
  else process.stderr.write(`journal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
