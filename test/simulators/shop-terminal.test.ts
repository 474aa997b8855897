import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { BulletinView } from '../../gateway/contract/bulletins';
import { ShopTerminal } from '../../simulators/shop/terminal';
import { demoPassword, eventually, loginSession, startGateway, testConfig } from '../helpers/gateway';

/** The demo's shop terminal: it gets a bulletin on its own downlink and receipts it, delivered then read. */
let gw: Gateway;
let terminal: ShopTerminal;

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  terminal = new ShopTerminal({
    mqttUrl: `mqtt://127.0.0.1:${gw.broker.port}`,
    username: 'shop-prem-013',
    password: demoPassword('shop-prem-013'),
    premisesId: 'prem-013',
    readAfterMs: 300,
  });
  await terminal.start();
}, 60_000);

afterAll(async () => {
  await terminal?.stop();
  await gw?.stop();
});

describe('the shop terminal simulator', () => {
  it('shows a bulletin to its premises and receipts it delivered, then read', async () => {
    const { cookie, csrf } = await loginSession(gw.httpPort, 'controller');
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/bulletins`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'alert', text: 'Pickpockets reported near the station', audience: { kind: 'premises', ids: ['prem-013'] } }),
    });
    const sent = ((await res.json()) as { data: BulletinView }).data;
    await eventually(() => terminal.shown.some((b) => b.msgId === sent.id), 10_000, 'the terminal to show it');
    const read = await eventually(
      () => {
        const r = gw.projections.bulletins.get(sent.id)?.recipients[0];
        return r?.status === 'read' && r;
      },
      10_000,
      'the read receipt',
    );
    expect(read).toMatchObject({ premisesId: 'prem-013', readVia: 'terminal' });
    expect(read.deliveredAt).not.toBeNull();
    expect(read.deliveredAt!).toBeLessThanOrEqual(read.readAt!);
  });
});
