import { parseArgs } from 'node:util';
import { loadConfig, resolveConfigPath } from '../../config/load';
import { runShopliftBreach } from './shoplift-breach';

const SCENARIOS = { 'shoplift-breach': runShopliftBreach } as const;

/** `npm run sim -- scenario <name> [--mqtt URL] [--http URL] [--step-ms N]`: a scripted scenario against a running gateway. */
export async function runScenarioCli(args: string[], passwordFor: (u: string) => string): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      http: { type: 'string', default: 'http://127.0.0.1:8080' },
      'step-ms': { type: 'string', default: '2000' },
    },
  });
  const name = positionals[0] as keyof typeof SCENARIOS | undefined;
  const run = name ? SCENARIOS[name] : undefined;
  if (!run) {
    console.error(`usage: npm run sim -- scenario <${Object.keys(SCENARIOS).join('|')}> [--mqtt URL] [--http URL] [--step-ms N]`);
    process.exit(2);
  }
  const config = loadConfig(resolveConfigPath(), process.env, { lazyEnv: true });
  const result = await run({
    mqttUrl: values.mqtt,
    httpUrl: values.http,
    config,
    passwordFor,
    stepMs: Number(values['step-ms']),
    log: (line) => console.log(`scenario: ${line}`),
  });
  console.log(`scenario: done. incident ${result.incidentId}, unit ${result.dispatched} on scene`);
}
