import { describe, expect, it } from 'vitest';
import { Accounts } from '../../gateway/auth/accounts';
import { hashPassword } from '../../gateway/auth/password';
import type { StoredUser } from '../../gateway/auth/user-store';
import { demoPassword, testConfig } from '../helpers/gateway';

/**
 * The accounts with the people database over the configured ones (gateway/auth/accounts.ts
 * `applyStored`): what a reset or a disable does to a login already under way and to what the
 * accounts remember, without a gateway around them.
 */
const stored = async (over: Partial<StoredUser> & { password: string }): Promise<StoredUser> => ({
  username: 'controller',
  displayName: 'Casey Controller',
  consoleRole: 'controller',
  premisesId: null,
  passwordHash: await hashPassword(over.password),
  mustChangePassword: false,
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'secmgr',
  ...over,
});

describe('accounts over the people database', () => {
  it('a password check under way when the password changes does not let the old password in', async () => {
    const accounts = new Accounts({ config: testConfig().config });
    // As after the person chose a new one (no temporary password to stop the login on its own).
    const next = await stored({ password: 'a brand new one' });
    // The old password's scrypt is running when the reset lands.
    const pending = accounts.login('controller', demoPassword('controller'), '10.0.0.1');
    accounts.applyStored(next);
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    // Nor is the old password remembered as good afterwards.
    expect((await accounts.login('controller', demoPassword('controller'), '10.0.0.1')).ok).toBe(false);
    expect((await accounts.login('controller', 'a brand new one', '10.0.0.1')).ok).toBe(true);
    // A temporary password stops at the change, without counting as a failure.
    accounts.applyStored(await stored({ password: 'temporary 12345', mustChangePassword: true }));
    expect(await accounts.login('controller', 'temporary 12345', '10.0.0.1')).toEqual({ ok: false, reason: 'password-change', lockouts: [] });
  });

  it('forgets a remembered password when the account is disabled, and refuses it as an unknown name', async () => {
    const accounts = new Accounts({ config: testConfig().config });
    expect((await accounts.login('controller', demoPassword('controller'), '10.0.0.2')).ok).toBe(true);
    accounts.applyStored(await stored({ password: demoPassword('controller'), disabled: true }));
    const refused = await accounts.login('controller', demoPassword('controller'), '10.0.0.2');
    expect(refused).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(accounts.principal('controller')).toBeNull();
  });

  it('never lets a database row turn a device account into a person', async () => {
    const accounts = new Accounts({ config: testConfig().config });
    accounts.applyStored(await stored({ username: 'radio-2001', password: 'taken over 123', consoleRole: 'security-manager' }));
    expect(accounts.principal('radio-2001')).toMatchObject({ role: 'handset', consoleRole: null });
    expect((await accounts.login('radio-2001', 'taken over 123', '10.0.0.3')).ok).toBe(false);
  });

  it('applies a new role and premises to the principal the next login gets', async () => {
    const accounts = new Accounts({ config: testConfig().config });
    accounts.applyStored(await stored({ password: demoPassword('controller'), consoleRole: 'member', premisesId: 'prem-002' }));
    const outcome = await accounts.login('controller', demoPassword('controller'), '10.0.0.4');
    expect(outcome.ok && outcome.principal).toMatchObject({ role: 'console', consoleRole: 'member', premisesId: 'prem-002' });
  });
});
