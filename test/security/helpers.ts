import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { MqttClient } from 'mqtt';

/**
 * Linux routes all of 127.0.0.0/8 to loopback, so binding a client's socket to 127.0.0.2 makes
 * a second, real remote address for the gateway to tell apart from 127.0.0.1.
 */
export const OWNER_ADDRESS = '127.0.0.1';
export const STRANGER_ADDRESS = '127.0.0.2';

/** A real MQTT.js client whose TCP connection comes from `localAddress`: its CONNACK code (0 accepted). */
export async function connackFrom(port: number, localAddress: string, username: string, password: string): Promise<number> {
  const client = new MqttClient(() => netConnect({ host: '127.0.0.1', port, localAddress }), {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    username,
    password, // Client ids belong to accounts: `<username>-…` is this account's own.
    clientId: `${username}-sec-${Math.random().toString(36).slice(2)}`,
  });
  try {
    return await new Promise<number>((resolve) => {
      client.once('connect', () => resolve(0));
      client.once('error', (err: Error & { code?: number }) => resolve(typeof err.code === 'number' ? err.code : -1));
    });
  } finally {
    await client.endAsync(true);
  }
}

/** A real HTTP request to the gateway from `localAddress`. */
export function httpFrom(
  port: number,
  localAddress: string,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      { host: '127.0.0.1', port, localAddress, method, path, headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once('error', reject);
    req.end(data);
  });
}

export { journaled } from '../helpers/gateway';
