import { describe, expect, it } from 'vitest';
import { RecentKeys } from '../../gateway/journal/recent-keys';

describe("the journal writer's memory of recent dedupe keys", () => {
  const minute = 60_000;

  it('finds a key committed within the window, and forgets it once the window has passed', () => {
    const keys = new RecentKeys({ windowMs: 10 * minute, generationMs: minute, maxKeys: 1000 });
    keys.add('radio-1/7/abc', 41, 0);
    keys.add('radio-1/8/def', 42, 9 * minute);
    expect(keys.get('radio-1/7/abc')).toBe(41);
    expect(keys.get('radio-2/7/abc')).toBeUndefined();
    keys.add('radio-1/9/ghi', 43, 10.5 * minute);
    expect(keys.get('radio-1/7/abc')).toBe(41); // its generation is not out of the window yet
    keys.add('radio-1/10/jkl', 44, 11.5 * minute + 1);
    expect(keys.get('radio-1/7/abc')).toBeUndefined();
    expect(keys.get('radio-1/8/def')).toBe(42);
    expect(keys.size).toBe(3);
  });

  it('keeps its size bounded by dropping its oldest generation early, never the newest', () => {
    const keys = new RecentKeys({ windowMs: 10 * minute, generationMs: minute, maxKeys: 3 });
    keys.add('a', 1, 0);
    keys.add('b', 2, 0);
    keys.add('c', 3, minute);
    keys.add('d', 4, minute);
    expect(keys.get('a')).toBeUndefined();
    expect(keys.get('b')).toBeUndefined();
    expect([keys.get('c'), keys.get('d')]).toEqual([3, 4]);
    keys.add('e', 5, minute);
    keys.add('f', 6, minute); // one generation over the bound: kept, it is all there is
    expect(keys.size).toBe(4);
    expect(keys.get('c')).toBe(3);
  });
});
