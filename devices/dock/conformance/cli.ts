/**
 * `npm run dock:conformance -- --port /dev/ttyUSB0 [--baud 115200] [--allow-erase --out DIR]`
 *
 * Plays the gateway against a dock on a serial port (or PTY) and prints a pass/fail table of
 * PROTOCOL.md section 10; the exit code is 1 when any statement fails, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { runConformance, type StatementResult } from './run';

export function table(results: StatementResult[]): string {
  const w = Math.max(...results.map((r) => r.id.length));
  const lines = results.map((r) => `${r.id.padEnd(w)}  ${r.verdict.toUpperCase().padEnd(4)}  ${r.detail}`.trimEnd());
  const count = (v: string): number => results.filter((r) => r.verdict === v).length;
  return `${'statement'.padEnd(w)}  verdict\n${lines.join('\n')}\n\n${count('pass')} pass, ${count('fail')} fail, ${count('skip')} skipped\n`;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        baud: { type: 'string', default: '115200' },
        'retransmit-ms': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'hello-timeout-ms': { type: 'string' },
        'allow-erase': { type: 'boolean', default: false },
        out: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const num = (s: string | undefined, name: string): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  if (!values.port) {
    process.stderr.write('usage: npm run dock:conformance -- --port /dev/ttyUSB0 [--baud 115200] [--allow-erase --out DIR]\n');
    return 2;
  }
  let results: StatementResult[];
  try {
    results = await runConformance({
      port: values.port,
      baudRate: num(values.baud, 'baud') ?? 115200,
      retransmitMs: num(values['retransmit-ms'], 'retransmit-ms'),
      heartbeatMs: num(values['heartbeat-ms'], 'heartbeat-ms'),
      helloTimeoutMs: num(values['hello-timeout-ms'], 'hello-timeout-ms'),
      allowErase: values['allow-erase'],
      outDir: values.out,
      log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  process.stdout.write(table(results));
  return results.some((r) => r.verdict === 'fail') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(2);
  },
);
