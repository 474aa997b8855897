import { connect, type Socket } from 'node:net';
import CoT from '@tak-ps/node-cot/dist/index.js';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors';
import pino from 'pino';
import type { Gateway } from '../../gateway/app';
import { Bus } from '../../gateway/bus';
import { Journal } from '../../gateway/journal/journal';
import { Projections } from '../../gateway/projections';
import { TakFeed } from '../../gateway/tak/feed';
import { connectMqtt, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { accepts } from '../helpers/net';

/** A TAK client: a plain TCP connection that collects the CoT stream. */
class TakClient {
  private text = '';
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (this.text += d));
  }

  static open(port: number): Promise<TakClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new TakClient(s)));
      s.once('error', reject);
    });
  }

  /** Every complete `<event>` so far, parsed by node-cot (which validates it against the CoT schema). */
  events(): Array<ReturnType<CoT['to_geojson']>> {
    return (this.text.match(/<event [\s\S]*?<\/event>/g) ?? []).map((x) => new CoT(x).to_geojson());
  }

  get raw(): string {
    return this.text;
  }

  close(): void {
    this.socket.destroy();
  }
}

const takConfig = (role: string) =>
  testConfig((doc) => {
    doc.tak = { enabled: true, port: 0, role, intervalSeconds: 0.1, staleSeconds: 10 };
  }).config;

const position = (lon: number, lat: number) => JSON.stringify({ lat, lon, accuracyM: 8, speedKmh: 3.6, headingDeg: 90, fixTime: new Date().toISOString() });

const unitAt = (c: TakClient, lon: number, lat: number) =>
  c
    .events()
    .find((f) => f.id === 'townwatch.unit.unit-01' && (f.geometry.coordinates as number[])[0] === lon && (f.geometry.coordinates as number[])[1] === lat);

/** A subject with a sighting on camera cam-04: the police record them, an operator marks the sighting. */
async function sightedSubject(gw: Gateway): Promise<string> {
  const police = await login(gw.httpPort, 'police');
  const operator = await login(gw.httpPort, 'operator');
  const post = async (cookie: string, path: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
      method: 'POST',
      headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { data: { id?: string } }).data;
  };
  const { id } = await post(police, '/api/subjects', {
    status: 'known',
    name: 'Jordan Reece',
    description: 'Slim male, grey hoodie',
    features: [],
    markers: [],
    sharedWithMembers: false,
  });
  await post(operator, '/api/sightings', { subjectId: id, place: { cameraId: 'cam-04' } });
  await eventually(() => gw.projections.tracks.get(id!)?.sightings.length === 1, 5000, 'the track');
  return id!;
}

describe('the TAK feed, as the police see it', () => {
  let gw: Gateway;
  let radio: MqttClient;
  beforeAll(async () => {
    gw = await startGateway(takConfig('police'));
    radio = await connectMqtt(gw.broker.port, 'radio-2001');
  });
  afterAll(async () => {
    await radio.endAsync();
    await gw.stop();
  });

  it('streams a unit as it moves, and gives a new client the whole picture on connect', async () => {
    const tak = await TakClient.open(gw.tak!.port);
    await radio.publishAsync('tw/v1/radio/2001/position', position(-1.1501, 52.9531), { qos: 1 });
    const first = await eventually(() => unitAt(tak, -1.1501, 52.9531), 5000, 'unit-01 in the stream');
    expect(first.properties).toMatchObject({ type: 'a-f-G-U-C', callsign: 'PC 1234' });
    // Its mark expires in the client unless refreshed: stale is in the future, not far off.
    const stale = Date.parse(first.properties.stale);
    expect(stale).toBeGreaterThan(Date.now());
    expect(stale).toBeLessThanOrEqual(Date.now() + 10_000);

    await radio.publishAsync('tw/v1/radio/2001/position', position(-1.1488, 52.955), { qos: 1 });
    await eventually(() => unitAt(tak, -1.1488, 52.955), 5000, 'unit-01 moved in the stream');

    const late = await TakClient.open(gw.tak!.port);
    await eventually(() => unitAt(late, -1.1488, 52.955), 5000, 'unit-01 in the snapshot on connect');
    expect(late.events().some((f) => f.id === 'townwatch.unit.unit-02')).toBe(false); // no fix, no mark
    tak.close();
    late.close();
    expect(
      gw.journal
        .read(0, 10_000)
        .filter((e) => e.type === 'tak.client-connected')
        .map((e) => (e.payload as { role: string }).role),
    ).toEqual(['police', 'police']); // who took the feed
  });

  it('sends every live mark again before it goes stale, with nothing new published', async () => {
    await radio.publishAsync('tw/v1/radio/2001/position', position(-1.1495, 52.954), { qos: 1 });
    const tak = await TakClient.open(gw.tak!.port);
    const first = await eventually(() => unitAt(tak, -1.1495, 52.954), 5000, 'unit-01 on connect');
    // Refreshed at half the stale time (5 s here): the same place, a later stale time.
    const again = await eventually(
      () => tak.events().find((f) => f.id === 'townwatch.unit.unit-01' && Date.parse(f.properties.stale) > Date.parse(first.properties.stale) + 1000),
      9000,
      'a refresh',
    );
    expect(again.geometry.coordinates.slice(0, 2)).toEqual([-1.1495, 52.954]);
    expect(Date.parse(again.properties.stale)).toBeLessThan(Date.parse(first.properties.stale) + 10_000);
    tak.close();
  }, 15_000);

  it("streams a suspect's track, labelled by subject id and never by name", async () => {
    const tak = await TakClient.open(gw.tak!.port);
    const subjectId = await sightedSubject(gw);
    const hostile = await eventually(() => tak.events().find((f) => f.properties.type === 'a-h-G'), 5000, 'the sighting in the stream');
    expect(hostile.properties.callsign).toBe(`Subject ${subjectId}`);
    // Where the track has the subject: in the camera's view.
    expect((hostile.geometry.coordinates as number[]).slice(0, 2)).toEqual(gw.projections.tracks.get(subjectId)!.sightings[0]!.position);
    expect(tak.raw).not.toContain('Jordan Reece');
    tak.close();
  });
});

describe('the TAK feed for a role without the gallery', () => {
  let gw: Gateway;
  let radio: MqttClient;
  beforeAll(async () => {
    gw = await startGateway(takConfig('engineer'));
    radio = await connectMqtt(gw.broker.port, 'radio-2001');
  });
  afterAll(async () => {
    await radio.endAsync();
    await gw.stop();
  });

  it('carries units but no subject tracks, live or on connect', async () => {
    const tak = await TakClient.open(gw.tak!.port);
    await sightedSubject(gw);
    // A position published after the track exists: once it arrives, the track's change has been flushed too.
    await radio.publishAsync('tw/v1/radio/2001/position', position(-1.1501, 52.9531), { qos: 1 });
    await eventually(() => unitAt(tak, -1.1501, 52.9531), 5000, 'unit-01 in the stream');
    const late = await TakClient.open(gw.tak!.port);
    await eventually(() => unitAt(late, -1.1501, 52.9531), 5000, 'unit-01 in the snapshot');
    for (const c of [tak, late]) {
      expect(c.events().map((f) => f.properties.type)).not.toContain('a-h-G');
      expect(c.events().map((f) => f.properties.type)).not.toContain('u-d-f');
      c.close();
    }
  });
});

describe('TAK settings', () => {
  it('is off by default: no feed and nothing listening on its port', async () => {
    const { config } = testConfig();
    expect(config.tak).toMatchObject({ enabled: false, host: '127.0.0.1', port: 8087 });
    const gw = await startGateway(config);
    try {
      expect(gw.tak).toBeNull();
      expect(await accepts(8087)).toBe(false);
    } finally {
      await gw.stop();
    }
  });

  it('needs a role when enabled, and refuses to start for a role that may see nothing', async () => {
    expect(() => testConfig((doc) => (doc.tak = { enabled: true })).config).toThrow(ConfigError);
    const config = takConfig('member');
    const log = pino({ level: 'silent' });
    const feed = new TakFeed({
      settings: config.tak,
      projections: new Projections(config),
      bus: new Bus({ log }),
      log,
      journal: new Journal({ path: ':memory:', synchronous: 'full', maxBatch: 1, log }), // never opened: the feed refuses first
    });
    await expect(feed.start()).rejects.toThrow(/role "member" may see neither units nor tracks/);
    expect(feed.port).toBe(0);
  });
});
