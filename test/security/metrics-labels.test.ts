import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { EXTERNAL_TOPICS, TOPICS } from '../../gateway/contract/topics';
import { connectMqtt, startGateway, testConfig } from '../helpers/gateway';

/**
 * Issue 14, finding 9: the `class` label of the MQTT message counters was a topic's third
 * level, so every made-up topic minted a new time series, and /metrics grew without bound.
 * Labels now come only from the contract's topic names, plus `unknown`.
 */
let gw: Gateway;
let client: MqttClient;

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  // The service account: its publish limit is a gateway's, so 500 messages are not throttled.
  client = await connectMqtt(gw.broker.port, 'service');
});
afterAll(async () => {
  await client.endAsync(true);
  await gw.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

const classes = (text: string) => new Set([...text.matchAll(/^tw_mqtt_messages_(?:in|out)_total\{[^}]*class="([^"]*)"/gm)].map((m) => m[1]!));

describe('/metrics labels', () => {
  it('stay within the contract when clients publish to 500 distinct unknown topics', async () => {
    const made = (i: number) => client.publishAsync(`tw/v1/made-up-${i}/x/${i}`, '{}', { qos: 1 });
    await made(0);
    const before = await scrape();
    for (let i = 1; i < 500; i++) await made(i);
    const after = await scrape();

    const allowed = new Set([...TOPICS, ...EXTERNAL_TOPICS].map((t) => t.name).concat('unknown'));
    const seen = classes(after);
    expect(seen.has('unknown')).toBe(true);
    for (const c of seen) expect(allowed, `label class="${c}"`).toContain(c);
    const series = (text: string) => text.split('\n').filter((l) => l.startsWith('tw_mqtt_messages_')).length;
    expect(series(after)).toBe(series(before));
    // Every message is still counted, under `unknown`.
    expect(after).toMatch(/^tw_mqtt_messages_in_total\{class="unknown",outcome="quarantined"\} 500$/m);
  });
});
