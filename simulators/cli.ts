/**
 * `npm run sim -- <kind> [options]`: device simulators that speak the real wire protocols.
 *   demo  [--mqtt URL] [--http URL]                  the demo town's devices, as `npm start` runs them (with `demo.activity`: emergencies, reports, breaches)
 *   radio [--mqtt URL] [--units N] [--rate HZ]       MQTT handsets walking the town
 *   pei   [--link PATH] [--units N] [--interval MS]  a TETRA control station (AT/PEI) on a pseudo-terminal
 *   dock  [--bays N] [--seed N] [--mb MB] [--faults flip,drop,duplicate,slow,bad-hash,erase-early]  a body-worn camera dock
 *   cctv  [--cameras N] [--port 8554] [--size WxH] [--fps N] [--down cam-03]  RTSP test cameras (stdin: down/up <camera>)
 *   scenario shoplift-breach [--mqtt URL] [--http URL] [--step-ms N]  a scripted scenario against a running gateway
 * Simulators use the demo accounts' passwords (`<username>-demo`) unless TW_SIM_PASSWORD is set.
 */
import { parseArgs } from 'node:util';
import { configErrorText } from '../config/errors';
import { ConfigError, loadConfig, resolveConfigPath } from '../config/load';
import { startDemo } from './demo';
import { runCctvSimCli } from './cctv/cli';
import { runDockSimCli } from './dock/cli';
import { runPeiSimCli } from './radio/pei-cli';
import { Fleet } from './radio/fleet';
import { runScenarioCli } from './scenarios/cli';

const USAGE =
  'usage: npm run sim -- demo | radio [--mqtt URL] [--units N] [--rate HZ] | pei [--link PATH] [--units N] | dock [--bays N] | cctv [--cameras N] | scenario shoplift-breach';
const STOP_DEADLINE_MS = 2000;
const passwordFor = (username: string) => process.env.TW_SIM_PASSWORD ?? `${username}-demo`;

async function main(): Promise<void> {
  const [kind, ...rest] = process.argv.slice(2);
  if (kind === 'pei') return runPeiSimCli(rest); // interactive; it has its own options
  if (kind === 'dock') return runDockSimCli(rest);
  if (kind === 'scenario') return runScenarioCli(rest, passwordFor);
  if (kind === 'cctv') return runCctvSimCli(rest);
  const { values } = parseArgs({
    args: rest,
    options: {
      mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      // The gateway's API, for the demo's people (the police recording the demo suspect, a member's report).
      http: { type: 'string' },
      units: { type: 'string', default: '10' },
      rate: { type: 'string', default: '1' },
    },
  });
  // Lazily: the simulators do not read the uplink (or other sections) whose secrets may be unset here.
  const config = loadConfig(resolveConfigPath(), process.env, { lazyEnv: true });
  let stop: () => Promise<void>;
  switch (kind) {
    case 'demo':
      stop = await startDemo(config, values.mqtt, passwordFor, values.http ?? `http://127.0.0.1:${config.gateway.http.port}`);
      break;
    case 'radio': {
      const fleet = new Fleet({ url: values.mqtt, config, units: Number(values.units), rateHz: Number(values.rate), passwordFor });
      await fleet.start();
      stop = () => fleet.stop();
      console.log(`sim: ${values.units} handsets walking ${config.site.name} at ${values.rate} Hz`);
      break;
    }
    default:
      console.error(USAGE);
      process.exit(2);
  }
  // A clean stop closes sessions and PTYs; it must not hang when the gateway is already gone
  // (MQTT.js waits for a broker that will never answer), so it gets a deadline.
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
    void stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(configErrorText(err, 'sim'));
  else console.error(`sim: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
