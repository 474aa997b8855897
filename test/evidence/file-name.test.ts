import { describe, expect, it } from 'vitest';
import { exhibitFileName, siteStamp } from '../../gateway/contract/file-name';

/** What a player and a person expect of an exported file's name: `<camera>_<start>.mp4`, in site time. */
describe('exhibit file names', () => {
  it('names a recording by its camera and its start in the site time zone, summer and winter', () => {
    // 14:05:09 UTC is 15:05:09 in London in July (BST) and 14:05:09 in January (GMT).
    expect(exhibitFileName({ cam: 'BWC-0001', name: 'shift-b-001.mp4', recStart: '2026-07-03T14:05:09.500Z' }, 'Europe/London')).toBe(
      'BWC-0001_2026-07-03_15-05-09.mp4',
    );
    expect(exhibitFileName({ cam: 'BWC-0001', name: 'shift-b-001.MP4', recStart: '2026-01-03T14:05:09Z' }, 'Europe/London')).toBe(
      'BWC-0001_2026-01-03_14-05-09.mp4',
    );
    // Past midnight in the site's zone is the next day there.
    expect(siteStamp('2026-07-03T23:30:00Z', 'Europe/London')).toBe('2026-07-04_00-30-00');
  });

  it('keeps the name safe on any file system and never ends it in anything but an extension', () => {
    const name = exhibitFileName({ cam: '../cam 1:a/b', name: 'clip', recStart: '2026-07-03T14:05:09Z' }, 'UTC');
    expect(name).toBe('__cam_1_a_b_2026-07-03_14-05-09.mp4');
    expect(name).not.toMatch(/[/\\: ]/);
    expect(exhibitFileName({ cam: 'cam-01', name: 'x.mkv', recStart: 'not a time' }, 'UTC')).toBe('cam-01_unknown-time.mkv');
  });

  it('gives a second recording starting in the same second its own name', () => {
    const taken = new Set<string>();
    const r = { cam: 'BWC-0001', name: 'a.mp4', recStart: '2026-07-03T14:05:09Z' };
    expect([exhibitFileName(r, 'UTC', taken), exhibitFileName(r, 'UTC', taken), exhibitFileName(r, 'UTC', taken)]).toEqual([
      'BWC-0001_2026-07-03_14-05-09.mp4',
      'BWC-0001_2026-07-03_14-05-09_2.mp4',
      'BWC-0001_2026-07-03_14-05-09_3.mp4',
    ]);
  });
});
