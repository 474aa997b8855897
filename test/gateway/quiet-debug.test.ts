/**
 * The broker thread makes mqtt-packet's disabled debug calls free (gateway/broker/quiet-debug.ts)
 * without taking away what `DEBUG` asks for. Each case runs in a Node process of its own: the
 * swap changes that process's module cache, as it changes the broker thread's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/gateway';

/** Runs `body` after `quietDisabledDebug()` (its result in `swapped`), with `env`; returns what it printed. */
function run(body: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
  const script = `
    import { createRequire } from 'node:module';
    import { quietDisabledDebug } from ${JSON.stringify(join(ROOT, 'gateway/broker/quiet-debug.ts'))};
    const swapped = quietDisabledDebug();
    const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
    ${body}
  `;
  const { DEBUG: _unset, ...rest } = process.env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...rest, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Parses one PUBLISH with mqtt-packet, as aedes does, and prints what its debug instance is. */
const PARSE = `
  const mqtt = require('mqtt-packet');
  const parser = mqtt.parser();
  let parsed = null;
  parser.on('packet', (p) => (parsed = p.topic));
  parser.parse(mqtt.generate({ cmd: 'publish', topic: 'tw/v1/radio/2001/position', payload: '{}', qos: 0 }));
  const debug = createRequire(require.resolve('mqtt-packet'))('debug');
  console.log(JSON.stringify({ swapped, parsed, enabled: debug('mqtt-packet:parser').enabled }));
`;

describe("mqtt-packet's debug calls in the broker thread", () => {
  it('do nothing when DEBUG does not ask for them, and packets parse as before', () => {
    const { stdout, stderr } = run(PARSE);
    expect(JSON.parse(stdout)).toEqual({ swapped: true, parsed: 'tw/v1/radio/2001/position', enabled: false });
    expect(stderr).not.toMatch(/mqtt-packet:parser/);
  });

  it('still print with DEBUG=mqtt-packet:*', () => {
    const { stdout, stderr } = run(PARSE, { DEBUG: 'mqtt-packet:*' });
    expect(JSON.parse(stdout)).toEqual({ swapped: true, parsed: 'tw/v1/radio/2001/position', enabled: true });
    expect(stderr).toMatch(/mqtt-packet:parser/);
  });

  it('are left alone once mqtt-packet is loaded: the swap would come too late', () => {
    const { stdout } = run(`require('mqtt-packet'); console.log(JSON.stringify({ swapped, again: quietDisabledDebug() }));`);
    expect(JSON.parse(stdout)).toEqual({ swapped: true, again: false });
  });
});
