/**
 * `npm run sim -- <kind> [options]`: device simulators that speak the real wire protocols.
 *   demo  [--mqtt URL]                the demo town's devices, as `npm start` runs them
 *   radio [--mqtt URL] [--units N] [--rate HZ]   MQTT handsets walking the town
 * Simulators use the demo accounts' passwords (`<username>-demo`) unless TW_SIM_PASSWORD is set.
 */
import { parseArgs } from 'node:util';
import { loadConfig, resolveConfigPath } from '../config/load';
import { Fleet } from './radio/fleet';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    units: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1' },
  },
});

const passwordFor = (username: string) => process.env.TW_SIM_PASSWORD ?? `${username}-demo`;

async function main(): Promise<void> {
  const config = loadConfig(resolveConfigPath());
  const kind = positionals[0];
  const stops: Array<() => Promise<void>> = [];
  switch (kind) {
    case 'demo':
    case 'radio': {
      const units = kind === 'demo' ? config.units.length : Number(values.units);
      const fleet = new Fleet({ url: values.mqtt, config, units, rateHz: Number(values.rate), passwordFor });
      await fleet.start();
      stops.push(() => fleet.stop());
      console.log(`sim: ${units} handsets walking ${config.site.name} at ${values.rate} Hz`);
      break;
    }
    default:
      console.error('usage: npm run sim -- demo | radio [--mqtt URL] [--units N] [--rate HZ]');
      process.exit(2);
  }
  const stop = () => {
    void Promise.all(stops.map((s) => s())).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`sim: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
