import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { TlsSettings } from '../config/schema';

/** The certificate and key the gateway serves HTTPS and MQTT over TLS with (PEM). */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  certPath: string;
  keyPath: string;
}

/** Where `tls: auto` keeps its pair, under the data directory. */
export function autoTlsPaths(dataDir: string): { certPath: string; keyPath: string } {
  const dir = join(dataDir, 'tls');
  return { certPath: join(dir, 'gateway-cert.pem'), keyPath: join(dir, 'gateway-key.pem') };
}

/**
 * Reads the configured pair, or for `auto` the pair in `<dataDir>/tls`, made on first start.
 * Clients trust the self-signed certificate by being given it as their CA.
 */
export async function loadTls(settings: TlsSettings, opts: { baseDir: string; dataDir: string; hosts: readonly string[]; log: Logger }): Promise<TlsMaterial> {
  if (!settings.auto) {
    const certPath = resolve(opts.baseDir, settings.cert!);
    const keyPath = resolve(opts.baseDir, settings.key!);
    return { cert: readPem(certPath, 'gateway.tls.cert'), key: readPem(keyPath, 'gateway.tls.key'), certPath, keyPath };
  }
  const { certPath, keyPath } = autoTlsPaths(resolve(opts.baseDir, opts.dataDir));
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    await generateSelfSigned(certPath, keyPath, opts.hosts);
    opts.log.warn({ certPath }, 'tls: auto made a self-signed certificate; give clients this file as their CA');
  }
  return { cert: readPem(certPath, 'gateway.tls (auto) certificate'), key: readPem(keyPath, 'gateway.tls (auto) key'), certPath, keyPath };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * An X.509 certificate cannot be made with node:crypto alone, so this uses the openssl command:
 * a P-256 key and a self-signed certificate naming this machine (localhost, its host name,
 * loopback and any configured listen address). Written under temporary names and then renamed,
 * so an interrupted first start leaves no half pair behind.
 */
async function generateSelfSigned(certPath: string, keyPath: string, hosts: readonly string[]): Promise<void> {
  mkdirSync(join(certPath, '..'), { recursive: true, mode: 0o700 });
  const names = new Set(['localhost', hostname(), '127.0.0.1', '::1', ...hosts.filter((h) => h !== '0.0.0.0' && h !== '::')]);
  const san = [...names].map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  const tmpCert = `${certPath}.tmp`;
  const tmpKey = `${keyPath}.tmp`;
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-sha256',
    '-days',
    '825',
    '-subj',
    '/CN=Townwatch gateway',
    '-addext',
    `subjectAltName=${san}`,
    '-keyout',
    tmpKey,
    '-out',
    tmpCert,
  ];
  await new Promise<void>((done, fail) => {
    execFile('openssl', args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return done();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      fail(
        new Error(
          missing
            ? 'gateway.tls: auto needs the openssl command, which is not installed (apt-get install openssl), or give gateway.tls.cert and gateway.tls.key'
            : `gateway.tls: auto: openssl failed: ${stderr.trim() || err.message}`,
        ),
      );
    });
  });
  chmodSync(tmpKey, 0o600);
  renameSync(tmpKey, keyPath);
  renameSync(tmpCert, certPath);
}
