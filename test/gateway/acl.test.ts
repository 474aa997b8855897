import { describe, expect, it } from 'vitest';
import type { Principal } from '../../gateway/auth/accounts';
import { decidePublish, filterCovers, mayReceive, maySubscribe } from '../../gateway/broker/acl';

const handset: Principal = {
  username: 'radio-2001',
  role: 'handset',
  consoleRole: null,
  issi: 2001,
  issiRanges: [],
  premisesId: null,
  dockId: null,
  talkgroups: [9001],
};
const station: Principal = { ...handset, username: 'radio-gateway', role: 'control-station', issi: null, issiRanges: [[3000, 3999]], talkgroups: [] };
const shop: Principal = { ...handset, username: 'shop-a', role: 'shop-terminal', issi: null, premisesId: 'shop-a', talkgroups: [] };

describe('ACL', () => {
  it('covers topic filters only when every match is allowed', () => {
    expect(filterCovers('tw/v1/#', 'tw/v1/radio/+/down')).toBe(true);
    expect(filterCovers('tw/v1/radio/+/down', 'tw/v1/radio/2001/down')).toBe(true);
    expect(filterCovers('tw/v1/radio/2001/down', 'tw/v1/radio/+/down')).toBe(false);
    expect(filterCovers('tw/v1/radio/2001/down', 'tw/v1/radio/2001/#')).toBe(false);
    expect(filterCovers('tw/v1/radio/2001/down', 'tw/v1/radio/2001/down/x')).toBe(false);
    expect(filterCovers('tw/v1/radio/+/down', 'tw/v1/radio/2001')).toBe(false);
  });

  it('lets a handset publish only as itself, and only inbound topics', () => {
    expect(decidePublish(handset, 'tw/v1/radio/2001/position').kind).toBe('allow');
    expect(decidePublish(handset, 'tw/v1/radio/2002/position')).toMatchObject({ kind: 'deny' });
    expect(decidePublish(handset, 'tw/v1/radio/2001/down')).toMatchObject({ kind: 'deny' });
    expect(decidePublish(handset, 'tw/v1/shop/shop-a/report')).toMatchObject({ kind: 'deny' });
    expect(decidePublish(handset, 'somewhere/else')).toMatchObject({ kind: 'deny' });
    expect(decidePublish(handset, 'tw/v1/radio/2001/unknown')).toEqual({ kind: 'unknown-topic' });
  });

  it('lets a control station speak for its ISSI ranges only', () => {
    expect(decidePublish(station, 'tw/v1/radio/3500/position').kind).toBe('allow');
    expect(decidePublish(station, 'tw/v1/radio/2001/position')).toMatchObject({ kind: 'deny' });
    expect(maySubscribe(station, 'tw/v1/radio/+/down')).toBe(true);
    expect(mayReceive(station, 'tw/v1/radio/3500/down')).toBe(true);
    expect(mayReceive(station, 'tw/v1/radio/2001/down')).toBe(false);
  });

  it('gives a handset its own and its talkgroups’ downlinks', () => {
    expect(maySubscribe(handset, 'tw/v1/talkgroup/9001/down')).toBe(true);
    expect(maySubscribe(handset, 'tw/v1/talkgroup/9002/down')).toBe(false);
    expect(maySubscribe(handset, 'tw/v1/#')).toBe(false);
  });

  it('keeps a shop terminal to its own premises', () => {
    expect(decidePublish(shop, 'tw/v1/shop/shop-a/report').kind).toBe('allow');
    expect(decidePublish(shop, 'tw/v1/shop/shop-b/report')).toMatchObject({ kind: 'deny' });
    expect(maySubscribe(shop, 'tw/v1/#')).toBe(false);
  });
});
