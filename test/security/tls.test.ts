import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import mqtt, { type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { autoTlsPaths } from '../../gateway/tls';
import { demoPassword, startGateway, testConfig } from '../helpers/gateway';

/** TLS on loopback, ports chosen by the system. */
const tlsOn = (tls: Record<string, unknown>) => (doc: Record<string, unknown>) => {
  (doc.gateway as Record<string, unknown>).tls = { mqttHost: '127.0.0.1', mqttPort: 0, ...tls };
};

/** CONNECT over mqtts:// or wss://: 'connected', or the error that stopped it. */
async function mqttsConnect(url: string, opts: IClientOptions): Promise<string> {
  const client = mqtt.connect(url, {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    username: 'radio-2001',
    password: demoPassword('radio-2001'),
    clientId: 'handset-2001',
    ...opts,
  });
  try {
    return await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'));
      client.once('error', (err: Error & { code?: string | number }) => resolve(String(err.code ?? err.message)));
    });
  } finally {
    await client.endAsync(true);
  }
}

/** A real HTTPS request: status and headers, or the TLS error's code. */
function httpsLogin(port: number, opts: RequestOptions): Promise<{ status: number; setCookie: string[] } | { error: string }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ username: 'controller', password: demoPassword('controller') });
    const req = request(
      { host: '127.0.0.1', servername: 'localhost', port, method: 'POST', path: '/api/login', headers: { 'content-type': 'application/json' }, ...opts },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.once('error', (err: Error & { code?: string }) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

describe('tls: auto', () => {
  const setup = testConfig(tlsOn({ auto: true }));
  let gw: Gateway;
  let ca: Buffer;
  beforeAll(async () => {
    gw = await startGateway(setup.config);
    ca = readFileSync(autoTlsPaths(setup.dir).certPath);
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('makes a self-signed pair in the data directory, the key readable by its owner only', () => {
    const { certPath, keyPath } = autoTlsPaths(setup.dir);
    expect(existsSync(certPath) && existsSync(keyPath)).toBe(true);
    expect(statSync(keyPath).mode & 0o077).toBe(0);
    const cert = new X509Certificate(ca);
    expect(cert.subjectAltName).toMatch(/DNS:localhost/);
    expect(cert.subjectAltName).toMatch(/IP Address:127\.0\.0\.1/);
  });

  it('serves MQTT over TLS to a real client that trusts the certificate, and refuses one that does not', async () => {
    expect(gw.mqttTlsPort).toBeGreaterThan(0);
    expect(await mqttsConnect(`mqtts://localhost:${gw.mqttTlsPort}`, { ca })).toBe('connected');
    expect(await mqttsConnect(`mqtts://localhost:${gw.mqttTlsPort}`, {})).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify|self.signed/i);
    // The TLS listener authenticates like the plain one.
    expect(await mqttsConnect(`mqtts://localhost:${gw.mqttTlsPort}`, { ca, password: 'wrong' })).toMatch(/Not authorized|5/);
  });

  it('serves the console over HTTPS with a Secure session cookie, and refuses a client without the CA', async () => {
    const ok = await httpsLogin(gw.httpPort, { ca });
    expect(ok).toMatchObject({ status: 200 });
    const cookie = (ok as { setCookie: string[] }).setCookie[0] ?? '';
    expect(cookie).toMatch(/^tw_session=/);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(await httpsLogin(gw.httpPort, {})).toEqual({ error: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) as unknown });
  });

  it('serves MQTT over secure WebSocket on the HTTPS port', async () => {
    expect(await mqttsConnect(`wss://localhost:${gw.httpPort}/mqtt`, { ca, wsOptions: { ca } })).toBe('connected');
  });

  it('keeps its pair across a restart', async () => {
    const before = readFileSync(autoTlsPaths(setup.dir).certPath, 'utf8');
    const second = await startGateway(setup.config);
    try {
      expect(readFileSync(autoTlsPaths(setup.dir).certPath, 'utf8')).toBe(before);
      expect(await mqttsConnect(`mqtts://localhost:${second.mqttTlsPort}`, { ca })).toBe('connected');
    } finally {
      await second.stop();
    }
  });
});

describe('tls with a certificate and key from the config', () => {
  let gw: Gateway;
  let caCert: Buffer;
  beforeAll(async () => {
    // A site CA and a server certificate it signed, as an installer would make them.
    const dir = testConfig().dir;
    const at = (f: string) => join(dir, f);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=Test Site CA',
      '-keyout',
      at('ca-key.pem'),
      '-out',
      at('ca.pem'),
    );
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=gateway.test',
      '-keyout',
      at('key.pem'),
      '-out',
      at('req.csr'),
    );
    writeFileSync(at('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl(
      'x509',
      '-req',
      '-in',
      at('req.csr'),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca-key.pem'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      at('ext.cnf'),
      '-out',
      at('cert.pem'),
    );
    caCert = readFileSync(at('ca.pem'));
    gw = await startGateway(testConfig(tlsOn({ cert: at('cert.pem'), key: at('key.pem') })).config);
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('serves them to clients that trust the site CA, and not to others', async () => {
    expect(await mqttsConnect(`mqtts://localhost:${gw.mqttTlsPort}`, { ca: caCert })).toBe('connected');
    expect(await mqttsConnect(`mqtts://localhost:${gw.mqttTlsPort}`, {})).toMatch(/UNABLE_TO_VERIFY|unable to (get|verify)/i);
    expect(await httpsLogin(gw.httpPort, { ca: caCert })).toMatchObject({ status: 200 });
    expect(await httpsLogin(gw.httpPort, {})).toEqual({ error: expect.stringMatching(/UNABLE_TO_(GET|VERIFY)/) as unknown });
  });

  it('names the missing file when the key cannot be read', async () => {
    const bad = testConfig(tlsOn({ cert: join(testConfig().dir, 'none.pem'), key: join(testConfig().dir, 'none-key.pem') }));
    await expect(startGateway(bad.config)).rejects.toThrow(/gateway\.tls\.cert: cannot read .*none\.pem/);
  });
});
