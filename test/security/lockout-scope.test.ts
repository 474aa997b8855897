import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { demoPassword, eventually, startGateway, testConfig } from '../helpers/gateway';
import { connackFrom, httpFrom, journaled, OWNER_ADDRESS, STRANGER_ADDRESS } from './helpers';

/** Long lockouts: the owner must get in while the stranger is still locked out, not after it expires. */
const LIMITS = {
  login: { userFailures: 5, addressFailures: 30, lockoutSeconds: 300, maxLockoutSeconds: 300 },
  publish: { perSecond: 50, burst: 100, gatewayPerSecond: 5000, gatewayBurst: 10000 },
};

const gateways: Gateway[] = [];
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
});

async function gateway(): Promise<Gateway> {
  const { config } = testConfig((doc) => {
    (doc.gateway as Record<string, unknown>).limits = LIMITS;
  });
  const gw = await startGateway(config);
  gateways.push(gw);
  return gw;
}

describe("a stranger's bad guesses at a username", () => {
  it('lock the stranger out over MQTT, not the radio logging in from its own address', async () => {
    const gw = await gateway();
    for (let i = 0; i < 5; i++) expect(await connackFrom(gw.broker.port, STRANGER_ADDRESS, 'radio-2001', `guess-${i}`)).toBe(5);
    const lockout = await eventually(() => journaled(gw, 'security.lockout').find((p) => p.scope === 'username'), 3000, 'lockout journaled');
    expect(lockout).toMatchObject({ key: 'user:radio-2001', failures: 5, ip: STRANGER_ADDRESS });

    // The stranger is locked out even with the right password: scrypt is not run for it.
    const checks = gw.accounts.passwordChecks;
    expect(await connackFrom(gw.broker.port, STRANGER_ADDRESS, 'radio-2001', demoPassword('radio-2001'))).toBe(5);
    expect(gw.accounts.passwordChecks).toBe(checks);

    // The radio itself, from its own address, still connects.
    expect(await connackFrom(gw.broker.port, OWNER_ADDRESS, 'radio-2001', demoPassword('radio-2001'))).toBe(0);
  });

  it('lock the stranger out of the console, not the controller at her own desk', async () => {
    const gw = await gateway();
    const loginFrom = (address: string, password: string) =>
      httpFrom(gw.httpPort, address, 'POST', '/api/login', { body: { username: 'controller', password } });
    for (let i = 0; i < 5; i++) expect((await loginFrom(STRANGER_ADDRESS, `guess-${i}`)).status).toBe(401);
    const locked = await loginFrom(STRANGER_ADDRESS, demoPassword('controller'));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(200);

    const owner = await loginFrom(OWNER_ADDRESS, demoPassword('controller'));
    expect(owner.status).toBe(200);
    expect(owner.headers['set-cookie']?.[0]).toMatch(/^tw_session=/);

    // Journaled with where the guesses came from, and the owner's login with hers.
    expect(journaled(gw, 'security.lockout')).toEqual([
      expect.objectContaining({ scope: 'username', key: 'user:controller', failures: 5, ip: STRANGER_ADDRESS }),
    ]);
    expect(journaled(gw, 'auth.login')).toEqual([{ ip: OWNER_ADDRESS }]);
    // Still locked for the stranger after the owner's success.
    expect((await loginFrom(STRANGER_ADDRESS, demoPassword('controller'))).status).toBe(429);
  });

  it('past the per-address limit, lock the stranger out of every username, and no one else', async () => {
    const gw = await gateway();
    // Four guesses at each of eight usernames: no pair reaches 5, the address reaches 30.
    const users = ['radio-2001', 'radio-2002', 'radio-2003', 'radio-2004', 'radio-2005', 'radio-2006', 'radio-2007', 'radio-2008'];
    for (const user of users) for (let i = 0; i < 4; i++) await connackFrom(gw.broker.port, STRANGER_ADDRESS, user, 'nope');
    await eventually(() => journaled(gw, 'security.lockout').find((p) => p.scope === 'address'), 3000, 'address lockout');
    expect(journaled(gw, 'security.lockout').find((p) => p.scope === 'address')).toMatchObject({ key: `addr:${STRANGER_ADDRESS}`, failures: 30 });
    expect(await connackFrom(gw.broker.port, STRANGER_ADDRESS, 'radio-2009', demoPassword('radio-2009'))).toBe(5);
    expect(await connackFrom(gw.broker.port, OWNER_ADDRESS, 'radio-2009', demoPassword('radio-2009'))).toBe(0);
  });
});
