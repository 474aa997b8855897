import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Gateway } from '../../gateway/app';
import { GATEWAY_MAIN, START_ENV } from '../../gateway/build';
import { ManualClock } from '../helpers/clock';
import { connectMqtt, ROOT, startGateway, testConfig } from '../helpers/gateway';

/**
 * The operations files kept in config/ops/ and config/systemd/: the dashboard and the alert
 * rules may only use metrics the gateway really exports, and the appliance's unit is hardened
 * and starts the bundle `npm start` runs.
 */

const RULES = join(ROOT, 'config/ops/prometheus-rules.yml');
const DASHBOARD = join(ROOT, 'config/ops/grafana-dashboard.json');
const UNIT = join(ROOT, 'config/systemd/townwatch.service');

/** Series Prometheus makes itself rather than scraping them. */
const PROMETHEUS_OWN = new Set(['up']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** The metric names a PromQL expression reads (functions, keywords, labels, durations and numbers left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/(^|[^\w$:.])\d+(\.\d+)?(e[+-]?\d+)?/gi, '$1 ');
  const names = [...bare.matchAll(/[a-zA-Z_:][\w:]*(?!\s*\(|[\w:])/g)].map((m) => m[0]);
  return names.filter((n) => !KEYWORDS.has(n.toLowerCase()));
}

function ruleExprs(): string[] {
  const doc = YAML.parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return doc.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}
function dashboardExprs(): string[] {
  const doc = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: Array<{ query?: string }> } };
  const panels = doc.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  // Grafana's label_values(metric, label) is not PromQL: only its metric is one.
  const variables = doc.templating.list.flatMap((v) => /^label_values\(([^,]+),/.exec(v.query ?? '')?.[1]?.trim() ?? []);
  return [...panels, ...variables];
}

/** Every series name /metrics can carry: histograms as `_bucket`, `_sum` and `_count`. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(name + s);
    else names.add(name);
  }
  return names;
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('the dashboard and alert rules against /metrics', () => {
  let gw: Gateway;
  let radio: MqttClient;
  /** Lost contact is timed by this clock: the test moves it past the silence instead of waiting. */
  const clock = new ManualClock();
  const scrape = async () => (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
  beforeAll(async () => {
    gw = await startGateway(testConfig().config, { clock });
    radio = await connectMqtt(gw.broker.port, 'radio-2001');
  });
  afterAll(async () => {
    await radio.endAsync();
    await gw.stop();
  });

  it('reads metric names out of PromQL', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, instance) (rate(tw_journal_commit_seconds_bucket{instance=~"$instance"}[5m]))) > 0.25')).toEqual([
      'tw_journal_commit_seconds_bucket',
    ]);
    expect(metricNames('tw_disk_free_bytes / tw_disk_size_bytes < 0.03 or tw_disk_free_bytes < 1e9')).toEqual([
      'tw_disk_free_bytes',
      'tw_disk_size_bytes',
      'tw_disk_free_bytes',
    ]);
    expect(metricNames('up{job="townwatch"} == 0')).toEqual(['up']);
  });

  it('every metric the rules and the dashboard use is in /metrics', async () => {
    const have = exported(await scrape());
    for (const [file, exprs] of [
      ['prometheus-rules.yml', ruleExprs()],
      ['grafana-dashboard.json', dashboardExprs()],
    ] as const) {
      const used = new Set(exprs.flatMap(metricNames));
      expect(used.size, file).toBeGreaterThan(5);
      const missing = [...used].filter((n) => !have.has(n) && !PROMETHEUS_OWN.has(n));
      expect(missing, `${file} uses metrics /metrics does not have`).toEqual([]);
    }
  });

  it('has an alert for journal errors, disk space, uplink lag, lost radios and unacknowledged emergencies', () => {
    const used = new Set(ruleExprs().flatMap(metricNames));
    for (const m of ['tw_journal_failing', 'tw_disk_free_bytes', 'tw_uplink_lag_seconds', 'tw_units_lost_contact', 'tw_emergency_unacknowledged_seconds']) {
      expect(used, m).toContain(m);
    }
  });

  it('reports real disk space, lost contact and an emergency nobody has acknowledged', async () => {
    let text = await scrape();
    expect(sample(text, 'tw_journal_failing')).toBe(0);
    expect(sample(text, 'tw_emergencies_unacknowledged')).toBe(0);
    const free = sample(text, 'tw_disk_free_bytes{volume="journal"}')!;
    const size = sample(text, 'tw_disk_size_bytes{volume="journal"}')!;
    expect(free).toBeGreaterThan(0);
    expect(size).toBeGreaterThanOrEqual(free);

    await radio.publishAsync('tw/v1/radio/2001/position', JSON.stringify({ lat: 52.953, lon: -1.15, fixTime: new Date().toISOString() }), { qos: 1 });
    await radio.publishAsync('tw/v1/radio/2001/emergency', JSON.stringify({ state: 'pressed' }), { qos: 1 });
    await gw.journal.flush(); // the emergency the press raised
    await clock.advancePastReal(gw.config.gateway.unitLostContactSeconds * 1000 + 10_000);
    text = await scrape();
    expect(sample(text, 'tw_emergencies_unacknowledged')).toBe(1);
    expect(sample(text, 'tw_units_lost_contact')).toBe(1);
    expect(sample(text, 'tw_emergency_unacknowledged_seconds')).toBeGreaterThan(0);
  });
});

/** The unit file as `key → values` (keys may repeat); comments and section headers dropped. */
function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
  }
  return keys;
}

describe('the systemd unit', () => {
  const text = readFileSync(UNIT, 'utf8');
  const keys = unitKeys(text);
  const one = (k: string) => keys.get(k)?.at(-1);

  it('is hardened, runs as its own user and may write only its state directory', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('User')).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(one('User')).not.toBe('root');
    expect(one('StateDirectory')).toBe('townwatch');
    expect(one('ReadWritePaths')).toBe('/var/lib/townwatch');
    expect(one('Restart')).toBe('on-failure');
    // The V8 JIT needs writable+executable memory: this one would kill node at start.
    expect(keys.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('starts the bundle npm start runs, with the same malloc tuning', () => {
    const exec = one('ExecStart')!.split(/\s+/);
    expect(exec[0]).toMatch(/^\/.*\/node$/);
    expect(exec.at(-1)).toMatch(/\/gateway\/dist\/main\.mjs$/);
    expect(GATEWAY_MAIN.endsWith('gateway/dist/main.mjs')).toBe(true);
    const env: Record<string, string> = Object.fromEntries(
      (keys.get('Environment') ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    expect(env.GLIBC_TUNABLES).toBe(START_ENV.GLIBC_TUNABLES);
    expect(env.TOWNWATCH_CONFIG).toMatch(/^\/etc\/townwatch\//);
  });

  it('passes systemd-analyze verify', () => {
    // verify also checks the executable exists: point it at this machine's node for the check.
    const dir = mkdtempSync(join(tmpdir(), 'tw-unit-'));
    const file = join(dir, 'townwatch.service');
    writeFileSync(file, text.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
    expect(execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' })).toMatch(/systemd/);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr.trim(), 'systemd-analyze warnings').toBe('');
    expect(r.status).toBe(0);
  });
});
