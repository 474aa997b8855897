/**
 * A gateway in a child process whose journal commits can be held from the test (IPC message
 * `hold`), so the test can SIGKILL it between a message's forward and its commit: what a
 * power cut does to a batch still waiting for its fsync. Started by `spawnHeldGateway`.
 */
import pino from 'pino';
import { loadConfig } from '../../config/load';
import { Gateway } from '../../gateway/app';

const file = process.env.TOWNWATCH_CONFIG;
if (!file || !process.send) throw new Error('held-gateway runs as a forked child with TOWNWATCH_CONFIG');
const gw = new Gateway(loadConfig(file), { log: pino({ level: 'silent' }) });
await gw.start();
process.on('message', (m) => {
  if (m === 'hold') {
    gw.journal.holdCommits();
    process.send?.({ held: true });
  }
});
process.send({ mqttPort: gw.broker.port, httpPort: gw.httpPort });
