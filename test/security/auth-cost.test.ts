import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../gateway/auth/accounts';
import { hashPassword } from '../../gateway/auth/password';
import type { Gateway } from '../../gateway/app';
import { demoPassword, eventually, startGateway, testConfig } from '../helpers/gateway';
import { connackFrom, httpFrom, journaled, OWNER_ADDRESS, STRANGER_ADDRESS } from './helpers';

/**
 * Timing is never measured: each scrypt verification is counted (`passwordChecks`), and the
 * cost of a refusal is the number of verifications it ran.
 */
describe('a login with an unknown username', () => {
  it('costs one scrypt verification, as a wrong password for a real username does', async () => {
    const accounts = new Accounts({ config: testConfig().config });
    const before = accounts.passwordChecks;
    expect(await accounts.login('no-such-user', 'whatever', '10.0.0.9')).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(accounts.passwordChecks - before).toBe(1);
    expect(await accounts.login('controller', 'whatever', '10.0.0.9')).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(accounts.passwordChecks - before).toBe(2);
    // And never lets anyone in, whatever the password.
    expect(await accounts.authenticate('no-such-user', '')).toBeNull();
    expect(accounts.passwordChecks - before).toBe(3);
  });

  it('is refused with the same answer and the same scrypt cost over real MQTT and HTTP', async () => {
    const gw = await startGateway(testConfig().config);
    try {
      let checks = gw.accounts.passwordChecks;
      expect(await connackFrom(gw.broker.port, OWNER_ADDRESS, 'radio-9999', 'x')).toBe(5);
      expect(gw.accounts.passwordChecks - checks).toBe(1);
      checks = gw.accounts.passwordChecks;
      expect(await connackFrom(gw.broker.port, OWNER_ADDRESS, 'radio-2001', 'x')).toBe(5);
      expect(gw.accounts.passwordChecks - checks).toBe(1);
      const unknown = await httpFrom(gw.httpPort, OWNER_ADDRESS, 'POST', '/api/login', { body: { username: 'nobody', password: 'x' } });
      const known = await httpFrom(gw.httpPort, OWNER_ADDRESS, 'POST', '/api/login', { body: { username: 'controller', password: 'x' } });
      expect(unknown.status).toBe(401);
      expect(unknown.body).toBe(known.body);
      expect(gw.accounts.passwordChecks - checks).toBe(3);
    } finally {
      await gw.stop();
    }
  });
});

describe('an API token', () => {
  const TOKEN = 'tok-3f9a1c7e5b2d4f60';
  let gw: Gateway;
  beforeAll(async () => {
    const tokenHash = await hashPassword(TOKEN);
    const { config } = testConfig((doc) => {
      (doc.gateway as Record<string, unknown>).limits = { login: { userFailures: 3, addressFailures: 30, lockoutSeconds: 300, maxLockoutSeconds: 300 } };
      const engineer = (doc.accounts as Array<Record<string, unknown>>).find((a) => a.username === 'engineer')!;
      engineer.apiTokenHash = tokenHash;
    });
    gw = await startGateway(config);
  });
  afterAll(async () => {
    await gw.stop();
  });

  const me = (address: string, token: string, user = 'engineer') =>
    httpFrom(gw.httpPort, address, 'GET', '/api/me', { headers: { authorization: `Bearer ${user}:${token}` } });

  it('used 20 times runs scrypt once', async () => {
    const checks = gw.accounts.passwordChecks;
    for (let i = 0; i < 20; i++) {
      const res = await me(OWNER_ADDRESS, TOKEN);
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as { data: { username: string } }).data.username).toBe('engineer');
    }
    expect(gw.accounts.passwordChecks - checks).toBe(1);
  });

  it('that is wrong costs a scrypt each time, counts towards the lockout, and is journaled', async () => {
    const checks = gw.accounts.passwordChecks;
    for (let i = 0; i < 3; i++) expect((await me(STRANGER_ADDRESS, `wrong-${i}`)).status).toBe(401);
    // An unknown token user costs the same as a known one.
    expect((await me('127.0.0.3', 'wrong', 'nobody')).status).toBe(401);
    expect(gw.accounts.passwordChecks - checks).toBe(4);
    const lockout = await eventually(() => journaled(gw, 'security.lockout').find((p) => p.via === 'api-token'), 3000, 'token lockout');
    expect(lockout).toMatchObject({ scope: 'username', key: 'user:engineer', ip: STRANGER_ADDRESS, failures: 3 });
    // Locked at that address: even the right token is refused without a check…
    const locked = gw.accounts.passwordChecks;
    expect((await me(STRANGER_ADDRESS, TOKEN)).status).toBe(401);
    expect(gw.accounts.passwordChecks).toBe(locked);
    // …while its owner, elsewhere, goes on.
    expect((await me(OWNER_ADDRESS, TOKEN)).status).toBe(200);
  });

  it('is not remembered when it only resembles a verified one', async () => {
    expect((await me(OWNER_ADDRESS, `${TOKEN}x`)).status).toBe(401);
    expect((await me(OWNER_ADDRESS, TOKEN, 'controller')).status).toBe(401);
    expect(demoPassword('engineer')).not.toBe(TOKEN);
  });
});
