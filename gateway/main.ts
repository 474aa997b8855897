/**
 * `npm start`: the gateway on the configured site (the bundled demo town by default). In demo
 * mode it also starts the device simulators as separate processes, as real devices would be.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { checkProductionSafety, ConfigError, loadConfig, resolveConfigPath } from '../config/load';
import { PROJECT_ROOT } from '../config/root';
import type { Config } from '../config/schema';
import { installCommand, offSimulators } from '../config/system-packages';
import { spawnTied } from '../devices/cctv/child';
import { Gateway } from './app';
import { verifyPassword } from './auth/password';
import { createRootLogger } from './log';

const STOP_DEADLINE_MS = 4500;

function fail(lines: readonly string[]): never {
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
}

function load(): Config {
  const file = resolveConfigPath();
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) fail([`townwatch: invalid config ${file}`, ...err.issues]);
    throw err;
  }
}

function banner(config: Config, gw: Gateway): string {
  const host = 'localhost';
  const s = gw.tls ? 's' : '';
  const lines = [
    '',
    `Townwatch is running for ${config.site.name} (${config.site.mode} mode)`,
    `  console    http${s}://${host}:${gw.httpPort}/`,
    `  health     http${s}://${host}:${gw.httpPort}/healthz   ready: /readyz   metrics: /metrics`,
    `  mqtt       mqtt://${host}:${gw.broker.port}   ws${s}://${host}:${gw.httpPort}${config.gateway.mqtt.websocketPath}`,
  ];
  if (gw.tls) lines.push(`  mqtts      mqtts://${host}:${gw.mqttTlsPort}   certificate (give clients as their CA if self-signed): ${gw.tls.certPath}`);
  if (config.site.mode === 'demo') {
    const people = config.accounts.filter((a) => a.role === 'console').map((a) => `${a.username}/${a.username}-demo (${a.consoleRole})`);
    lines.push('  demo logins (username/password):', ...people.map((p) => `    ${p}`));
    lines.push('  devices log in the same way: radio-2001/radio-2001-demo, shop-…/…-demo');
    lines.push(...simulatorLines(config));
    const a = config.demo.activity;
    if (a.enabled && process.env.TW_NO_SIM !== '1')
      lines.push(
        `  the demo raises an emergency, a shop report or a suspect's sighting every ${a.everySeconds} s, the first in ${a.firstAfterSeconds} s (off: demo.activity.enabled: false)`,
      );
  }
  return `${lines.join('\n')}\n\n`;
}

/** The demo's simulators that cannot run here, and the one command that turns them on. */
function simulatorLines(config: Config): string[] {
  if (process.env.TW_NO_SIM === '1') return ['  simulators off (TW_NO_SIM=1)'];
  const off = offSimulators(config);
  if (off.length === 0) return [];
  return [
    '  simulators off:',
    ...off.map((o) => `    ${o.what}: ${o.missing.join(', ')} not installed`),
    `  turn them on:  ${installCommand(off.flatMap((o) => o.missing))}  (then restart)`,
  ];
}

/**
 * The demo's devices in their own process, tied to ours: the kernel kills it (and it its socat
 * and ffmpeg children, tied the same way) when the gateway dies, even by SIGKILL.
 */
function startSimulators(gw: Gateway): ChildProcess | null {
  if (process.env.TW_NO_SIM === '1') return null;
  const cli = join(PROJECT_ROOT, 'simulators', 'cli.ts');
  const http = `http${gw.tls ? 's' : ''}://127.0.0.1:${gw.httpPort}`;
  return spawnTied(process.execPath, ['--import', 'tsx', cli, 'demo', '--mqtt', `mqtt://127.0.0.1:${gw.broker.port}`, '--http', http], { output: 'inherit' });
}

async function main(): Promise<void> {
  const config = load();
  const unsafe = await checkProductionSafety(config, verifyPassword);
  if (unsafe.length > 0) fail(['townwatch: refusing to start in production:', ...unsafe]);

  const log = createRootLogger();
  const gw = new Gateway(config, { log });
  await gw.start();
  process.stdout.write(banner(config, gw));
  const sims = config.site.mode === 'demo' ? startSimulators(gw) : null;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    sims?.kill('SIGTERM');
    // Whatever happens, the journal is flushed and closed before we exit.
    const deadline = setTimeout(() => {
      log.warn('clean stop took too long; flushing the journal and exiting');
      void gw.journal.close().finally(() => process.exit(0));
    }, STOP_DEADLINE_MS);
    gw.stop().then(
      () => {
        clearTimeout(deadline);
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        // The close is asynchronous now: the deadline must not exit 0 while it runs.
        clearTimeout(deadline);
        void gw.journal.close().finally(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`townwatch: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
