import { resolve } from 'node:path';
import { polygonCentroid } from '../config/geo';
import type { Config } from '../config/schema';
import { dirname } from 'node:path';
import { startDemoCameras } from './cctv/demo-cameras';
import { DemoActivity, type TetraRadios } from './demo-activity';
import { DockSimulator } from './dock/dock-sim';
import { openPtyPair } from './dock/pty';
import { PeiSimulator } from './radio/pei-sim';
import { Fleet } from './radio/fleet';
import { Walker } from './radio/walker';
import { ShopTerminal } from './shop/terminal';

/** How many of the demo town's units carry TETRA radios seen through the control station. */
const PEI_UNITS = 3;

/**
 * The demo town's devices, as `npm start` runs them: most units on MQTT handsets, the last
 * few on TETRA radios behind a control station on a pseudo-terminal that the gateway opens.
 */
export async function startDemo(config: Config, mqttUrl: string, passwordFor: (u: string) => string, httpUrl?: string): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  let tetra: TetraRadios | null = null;
  const station = config.radio.controlStations[0];
  const peiUnits = station ? config.units.slice(-PEI_UNITS) : [];
  const fleet = new Fleet({ url: mqttUrl, config, units: config.units.length - peiUnits.length, rateHz: 1, passwordFor });
  await fleet.start();
  stops.push(() => fleet.stop());

  // Each device kind starts on its own: a machine without socat still gets cameras and handsets.
  const part = async (what: string, start: () => Promise<void>): Promise<void> => {
    try {
      await start();
    } catch (err) {
      console.log(`sim: no ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (station)
    await part('TETRA radios', async () => {
      const walkers = peiUnits.map((u, i) => ({ issi: u.issi, walker: new Walker(config, config.zones[(i * 4) % config.zones.length]!.id, 100 + i) }));
      const start = polygonCentroid(config.zones[0]!.polygon);
      const gssi = config.talkgroups[0]?.gssi ?? 9001;
      const sim = new PeiSimulator({
        path: resolve(station.serialPath),
        units: peiUnits.map((u) => ({ issi: u.issi, lat: start[1], lon: start[0] })),
        talkgroup: gssi,
      });
      await sim.start();
      const at = new Map(peiUnits.map((u) => [u.issi, { lat: start[1], lon: start[0] }]));
      tetra = { sim, issis: peiUnits.map((u) => u.issi), where: (issi) => at.get(issi) ?? { lat: start[1], lon: start[0] } };
      const iv = setInterval(() => {
        for (const { issi, walker } of walkers) {
          const p = walker.step(5);
          at.set(issi, { lat: p.lat, lon: p.lon });
          sim.sendPosition(issi, { lat: p.lat, lon: p.lon, speedKmh: p.speedKmh, headingDeg: p.headingDeg }).catch(() => undefined);
        }
      }, 5000);
      stops.push(async () => {
        clearInterval(iv);
        await sim.stop();
      });
    });
  const dock = config.docks.find((d) => d.serialPath);
  const dockPath = dock?.serialPath;
  if (dock && dockPath)
    await part('camera dock', async () => {
      // A dock whose cameras came back from a shift: a few short clips each, deterministic contents.
      const pty = await openPtyPair({ dir: dirname(resolve(dockPath)) });
      const cameras = config.bodyCams.slice(0, Math.min(3, dock.bays)).map((c, i) => ({
        serial: c.serial,
        bay: i + 1,
        files: [1, 2].map((n) => ({ name: `${c.serial}_${n}.mp4`, size: (2 + i + n) * 1_000_000 })),
      }));
      const sim = new DockSimulator({ path: pty.dockPath, cable: pty, dockId: dock.id, bays: dock.bays, seed: 2026, cameras });
      await sim.start();
      stops.push(async () => {
        await sim.stop();
        await pty.close();
      });
    });
  stops.push(await startDemoCameras(config));
  await part('shop terminals', async () => {
    // Each shop terminal listens for the control room's bulletins and receipts them.
    for (const a of config.accounts) {
      if (a.role !== 'shop-terminal' || !a.premisesId) continue;
      const terminal = new ShopTerminal({
        mqttUrl,
        username: a.username,
        password: passwordFor(a.username),
        premisesId: a.premisesId,
        log: (l) => console.log(`sim: ${l}`),
      });
      await terminal.start();
      stops.push(() => terminal.stop());
    }
  });
  if (config.demo.activity.enabled && httpUrl) {
    // Emergencies, shop reports and breaches now and then, over the devices above and the API.
    const activity = new DemoActivity({ config, mqttUrl, httpUrl, passwordFor, handsets: fleet.handsets, tetra });
    activity.start();
    stops.unshift(() => activity.stop());
  }
  console.log(`sim: ${fleet.handsets.length} MQTT handsets and ${peiUnits.length} TETRA radios (PEI) walking ${config.site.name}`);
  return async () => {
    await Promise.all(stops.map((s) => s()));
  };
}
