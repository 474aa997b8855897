import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../config/load';
import type { Gateway } from '../../gateway/app';
import { startGateway, testConfig } from '../helpers/gateway';
import { STRANGER_ADDRESS } from './helpers';

/** Whether a TCP connection to `host:port` is accepted or refused. */
function tcp(host: string, port: number): Promise<'accepted' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve('refused') : reject(err)));
  });
}

let gw: Gateway | null = null;
afterAll(async () => {
  await gw?.stop();
});

/**
 * The demo town's passwords are public (`<username>-demo`), so `npm start` must not offer its
 * console or its broker to the network. Linux routes all of 127.0.0.0/8 to this machine: a
 * listener on every interface also answers at 127.0.0.2, one bound to 127.0.0.1 does not, which
 * tells the two apart without sending anything off the machine.
 */
describe('the demo town', () => {
  it('listens for the console and for MQTT on 127.0.0.1 only', async () => {
    const demo = loadConfig(defaultConfigPath);
    const t = testConfig((doc) => {
      const g = doc.gateway as { http: { host: string }; mqtt: { host: string } };
      g.http.host = demo.gateway.http.host;
      g.mqtt.host = demo.gateway.mqtt.host;
    });
    gw = await startGateway(t.config);
    for (const [what, port] of [
      ['console (HTTP, MQTT over WebSocket)', gw.httpPort],
      ['MQTT', gw.broker.port],
    ] as const) {
      expect(await tcp('127.0.0.1', port), `${what} from this machine`).toBe('accepted');
      expect(await tcp(STRANGER_ADDRESS, port), `${what} at another address`).toBe('refused');
    }
  });
});
