import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, checkProductionSafety, defaultConfigPath, loadConfig, parseConfigValue, resolveConfigPath } from '../../config/load';
import { migrate } from '../../config/migrations';
import { verifyPassword } from '../../gateway/auth/password';
import { FAKE_HASH, issuesOf, minimalDoc, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('loadConfig', () => {
  it('loads a minimal file and fills in defaults', () => {
    const cfg = loadConfig(tmp.write(minimalDoc()), {});
    expect(cfg.site.timezone).toBe('Europe/London');
    expect(cfg.gateway.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(cfg.gateway.mqtt).toEqual({ host: '0.0.0.0', port: 1883, maxPacketSize: 65536, websocketPath: '/mqtt' });
    expect(cfg.gateway.journal).toEqual({
      path: 'data/journal.db',
      synchronous: 'full',
      maxBatch: 2000,
      commitDelayMs: 2,
      commitDelayAbovePerSecond: 500,
      timeTravelCheckpointEvery: 50_000,
    });
    expect(cfg.gateway.sessionTtlMinutes).toBe(480);
    expect(cfg.gateway.unitLostContactSeconds).toBe(120);
    expect(cfg.cameras[0]?.ptz).toBe(false);
  });

  it('reports an unknown key at its own path', () => {
    const doc = minimalDoc();
    doc.site.colour = 'blue';
    (doc.zones[1]?.neighbours[0] ?? {}).walkSecs = 5;
    const issues = issuesOf(() => loadConfig(tmp.write(doc), {}));
    expect(issues).toContain('site.colour: unknown key');
    expect(issues).toContain('zones.1.neighbours.0.walkSecs: unknown key');
  });

  it('reports a bad cross-reference at its path', () => {
    const doc = minimalDoc();
    doc.zones[1]?.neighbours.push({ zone: 'foo', walkSeconds: 60 });
    const issues = issuesOf(() => loadConfig(tmp.write(doc), {}));
    expect(issues).toEqual(['zones.1.neighbours.1.zone: unknown zone "foo"']);
  });

  it('puts the file and every issue in the error message', () => {
    const doc = minimalDoc();
    doc.site.colour = 'blue';
    doc.units[0] = { ...doc.units[0], talkgroups: ['tg-nope'] };
    const file = tmp.write(doc);
    let caught: unknown;
    try {
      loadConfig(file, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.issues).toEqual(['site.colour: unknown key', 'units.0.talkgroups.0: unknown talkgroup "tg-nope"']);
    for (const line of err.issues) expect(err.message).toContain(line);
  });

  it('uses (root) for problems with the document itself', () => {
    expect(issuesOf(() => loadConfig(tmp.write('- just\n- a list\n'), {}))).toEqual(['(root): the config must be a YAML mapping']);
    const [yamlIssue] = issuesOf(() => loadConfig(tmp.write('version: 1\nsite: [a, b\naccounts: []\n'), {}));
    expect(yamlIssue).toMatch(/^\(root\): YAML .*line 3/);
    const [readIssue] = issuesOf(() => loadConfig(join(tmp.dir, 'missing.yaml'), {}));
    expect(readIssue).toMatch(/^\(root\): cannot read config file: .*ENOENT/);
  });

  it('returns a deeply frozen config', () => {
    const cfg = loadConfig(tmp.write(minimalDoc()), {});
    expect(Object.isFrozen(cfg)).toBe(true);
    // ES modules are strict mode, so writes to frozen objects throw rather than being ignored.
    expect(() => {
      (cfg.site as { name: string }).name = 'Elsewhere';
    }).toThrow(TypeError);
    expect(() => {
      (cfg.gateway.http as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (cfg.zones as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (cfg.zones[0]?.polygon[0] as number[])[0] = 0;
    }).toThrow(TypeError);
    expect(cfg.site.name).toBe('Test Town');
  });
});

describe('${ENV} substitution', () => {
  const withEnvRefs = () => {
    const doc = minimalDoc();
    (doc.accounts[0] ?? {}).passwordHash = '${TW_CTRL_HASH}';
    (doc.accounts[2] ?? {}).passwordHash = '${TW_SHOP_HASH}';
    return doc;
  };

  it('substitutes from the given environment', () => {
    const cfg = loadConfig(tmp.write(withEnvRefs()), { TW_CTRL_HASH: FAKE_HASH, TW_SHOP_HASH: FAKE_HASH });
    expect(cfg.accounts[0]?.passwordHash).toBe(FAKE_HASH);
  });

  it('names the path and variable of every missing variable', () => {
    const issues = issuesOf(() => loadConfig(tmp.write(withEnvRefs()), { TW_SHOP_HASH: FAKE_HASH }));
    expect(issues).toEqual(['accounts.0.passwordHash: environment variable TW_CTRL_HASH is not set']);
    expect(issuesOf(() => loadConfig(tmp.write(withEnvRefs()), {}))).toEqual([
      'accounts.0.passwordHash: environment variable TW_CTRL_HASH is not set',
      'accounts.2.passwordHash: environment variable TW_SHOP_HASH is not set',
    ]);
  });

  it('treats $${ as a literal ${', () => {
    const doc = minimalDoc();
    doc.site.name = 'Price $${NOT_A_VAR} and ${TOWN}-$${X}';
    const cfg = loadConfig(tmp.write(doc), { TOWN: 'Demo' });
    expect(cfg.site.name).toBe('Price ${NOT_A_VAR} and Demo-${X}');
  });

  it('rejects malformed references', () => {
    const doc = minimalDoc();
    doc.site.name = 'oops ${UNCLOSED';
    expect(issuesOf(() => loadConfig(tmp.write(doc), {}))).toEqual(['site.name: unterminated "${" (write "$${" for a literal "${")']);
  });

  it('accepts a substituted port as a number', () => {
    const doc = { ...minimalDoc(), gateway: { http: { port: '${TW_HTTP_PORT}' } } };
    expect(loadConfig(tmp.write(doc), { TW_HTTP_PORT: '9090' }).gateway.http.port).toBe(9090);
    expect(issuesOf(() => loadConfig(tmp.write(doc), { TW_HTTP_PORT: 'eighty' }))[0]).toMatch(/^gateway\.http\.port: /);
  });
});

describe('migrations', () => {
  const v0 = () => ({ ...minimalDoc(), version: 0, gateway: { httpPort: 8081, mqttPort: 1884, dataDir: 'var/tw' } });

  it('lifts v0 flat ports into gateway.http/mqtt', () => {
    const cfg = loadConfig(tmp.write(v0()), {});
    expect(cfg.version).toBe(1);
    expect(cfg.gateway.http).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(cfg.gateway.mqtt.port).toBe(1884);
    expect(cfg.gateway.mqtt.host).toBe('0.0.0.0');
    expect(cfg.gateway.dataDir).toBe('var/tw');
  });

  it('does not mutate its input and says what it did', () => {
    const input = v0();
    const snapshot = structuredClone(input);
    const { doc, applied } = migrate(input);
    expect(input).toEqual(snapshot);
    expect(doc.gateway).toEqual({ dataDir: 'var/tw', http: { port: 8081 }, mqtt: { port: 1884 } });
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatch(/^v0 -> v1/);
  });

  it('refuses a v0 file whose old and new port disagree', () => {
    const doc = v0();
    const conflicting = { ...doc, gateway: { ...doc.gateway, http: { port: 9000 } } };
    expect(issuesOf(() => loadConfig(tmp.write(conflicting), {}))).toEqual(['gateway.httpPort: conflicts with gateway.http.port (9000); keep only one']);
  });

  it('rejects a version newer than it knows, and a missing version', () => {
    const [newer] = issuesOf(() => loadConfig(tmp.write({ ...minimalDoc(), version: 2 }), {}));
    expect(newer).toMatch(/^version: version 2 is newer than this gateway understands/);
    const { version: _v, ...noVersion } = minimalDoc();
    expect(issuesOf(() => parseConfigValue(noVersion, {}))).toEqual(['version: required (the current version is 1)']);
    expect(issuesOf(() => parseConfigValue({ ...minimalDoc(), version: -1 }, {}))[0]).toMatch(/^version: must be a whole number/);
  });
});

describe('checkProductionSafety', () => {
  const demoText = readFileSync(defaultConfigPath, 'utf8');
  /** Production needs TLS or loopback listeners; these tests are about the accounts. */
  const prodDoc = () => {
    const doc = minimalDoc() as ReturnType<typeof minimalDoc> & { gateway?: unknown };
    doc.site.mode = 'production';
    doc.gateway = { http: { host: '127.0.0.1' }, mqtt: { host: '127.0.0.1' } };
    return doc;
  };

  it('reports nothing in demo mode', async () => {
    expect(await checkProductionSafety(loadConfig(defaultConfigPath, {}), verifyPassword)).toEqual([]);
  });

  it('reports every account still using a demo hash in production', async () => {
    const prod = demoText.replace(/^ {2}mode: demo$/m, '  mode: production');
    expect(prod).not.toBe(demoText);
    const cfg = loadConfig(tmp.write(prod), {});
    const problems = (await checkProductionSafety(cfg, verifyPassword)).filter((p) => p.startsWith('accounts.'));
    expect(problems).toHaveLength(cfg.accounts.length);
    expect(problems[0]).toBe(`accounts.0.passwordHash: account "${cfg.accounts[0]?.username}" still has the demo town's password: change it before production`);
  });

  it('reports only the account that kept its demo hash', async () => {
    const demo = loadConfig(defaultConfigPath, {});
    const doc = prodDoc();
    expect(await checkProductionSafety(parseConfigValue(doc, {}), verifyPassword)).toEqual([]);
    (doc.accounts[1] ?? {}).passwordHash = demo.accounts[0]?.passwordHash;
    expect(await checkProductionSafety(parseConfigValue(doc, {}), verifyPassword)).toEqual([
      'accounts.1.passwordHash: account "radio-3001" still has the demo town\'s password: change it before production',
    ]);
  });

  it('fails closed when the demo file cannot be read', async () => {
    const problems = await checkProductionSafety(parseConfigValue(prodDoc(), {}), verifyPassword, join(tmp.dir, 'gone.yaml'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\(root\): cannot read .*gone\.yaml/);
  });
});

describe('config path', () => {
  it('defaults to the bundled demo town', () => {
    expect(resolveConfigPath({})).toBe(defaultConfigPath);
    expect(defaultConfigPath).toBe(resolve(defaultConfigPath));
    expect(defaultConfigPath.endsWith(join('config', 'demo-town.yaml'))).toBe(true);
    expect(existsSync(defaultConfigPath)).toBe(true);
  });

  it('honours TOWNWATCH_CONFIG relative to the working directory', () => {
    expect(resolveConfigPath({ TOWNWATCH_CONFIG: 'sites/mytown.yaml' })).toBe(resolve('sites/mytown.yaml'));
    expect(resolveConfigPath({ TOWNWATCH_CONFIG: '/etc/townwatch.yaml' })).toBe('/etc/townwatch.yaml');
  });
});
