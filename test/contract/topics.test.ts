import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchTopic, TOPICS, topicFor } from '../../gateway/contract/topics';
import { renderTopicsMarkdown } from '../../gateway/contract/topics-md';
import { ROOT } from '../helpers/gateway';

describe('topic contract', () => {
  it('TOPICS.md is what the schemas generate (run `npm run contract:docs` after a change)', () => {
    expect(readFileSync(join(ROOT, 'gateway/contract/TOPICS.md'), 'utf8')).toBe(renderTopicsMarkdown());
  });

  it('has one entry per name and per pattern, all under tw/v1/', () => {
    expect(new Set(TOPICS.map((t) => t.name)).size).toBe(TOPICS.length);
    expect(new Set(TOPICS.map((t) => t.pattern)).size).toBe(TOPICS.length);
    for (const t of TOPICS) expect(t.pattern.startsWith('tw/v1/')).toBe(true);
  });

  it('matches concrete topics and extracts parameters', () => {
    expect(matchTopic('tw/v1/radio/2001/position')).toMatchObject({ spec: { name: 'radio.position' }, params: { issi: '2001' } });
    expect(matchTopic('tw/v1/shop/boots-high-st/report')).toMatchObject({ spec: { name: 'shop.report' }, params: { premisesId: 'boots-high-st' } });
    expect(matchTopic('tw/v1/radio/2001/position/extra')).toBeNull();
    expect(matchTopic('tw/v1/radio//position')).toBeNull();
    expect(topicFor('talkgroup.downlink', { gssi: 9001 })).toBe('tw/v1/talkgroup/9001/down');
  });
});
