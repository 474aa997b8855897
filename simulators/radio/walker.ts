import { polygonCentroid, type LonLat } from '../../config/geo';
import type { Config } from '../../config/schema';
import { mulberry32 } from '../random';

/** Metres per degree of latitude; longitude degrees shrink with cos(latitude). */
const M_PER_DEG = 111_320;

/**
 * Walks a simulated person between the centres of neighbouring zones at walking pace, so
 * positions follow the town's streets as the zone graph describes them. Deterministic from
 * its seed, so a test can reproduce a route.
 */
export class Walker {
  private from: LonLat;
  private to: LonLat;
  private zone: string;
  private nextZone: string;
  private progressM = 0;
  private legM = 1;
  private rand: () => number;

  constructor(
    private readonly config: Config,
    startZone: string,
    seed: number,
    private readonly speedMps = 1.4,
  ) {
    this.rand = mulberry32(seed);
    this.zone = startZone;
    this.from = this.centre(startZone);
    this.nextZone = this.pickNext(startZone);
    this.to = this.centre(this.nextZone);
    this.legM = Math.max(1, distanceM(this.from, this.to));
  }

  private centre(zoneId: string): LonLat {
    const zone = this.config.zones.find((z) => z.id === zoneId);
    if (!zone) throw new Error(`unknown zone ${zoneId}`);
    return polygonCentroid(zone.polygon);
  }

  private pickNext(zoneId: string): string {
    const zone = this.config.zones.find((z) => z.id === zoneId)!;
    const options = zone.neighbours;
    return options.length ? options[Math.floor(this.rand() * options.length)]!.zone : zoneId;
  }

  /** Advances by `seconds` and returns the new position and heading. */
  step(seconds: number): { lon: number; lat: number; headingDeg: number; speedKmh: number } {
    this.progressM += this.speedMps * seconds;
    while (this.progressM >= this.legM) {
      this.progressM -= this.legM;
      this.zone = this.nextZone;
      this.from = this.to;
      this.nextZone = this.pickNext(this.zone);
      this.to = this.centre(this.nextZone);
      this.legM = Math.max(1, distanceM(this.from, this.to));
    }
    const f = this.progressM / this.legM;
    const lon = this.from[0] + (this.to[0] - this.from[0]) * f;
    const lat = this.from[1] + (this.to[1] - this.from[1]) * f;
    const dx = (this.to[0] - this.from[0]) * Math.cos((lat * Math.PI) / 180);
    const dy = this.to[1] - this.from[1];
    const headingDeg = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
    return { lon, lat, headingDeg, speedKmh: this.speedMps * 3.6 };
  }
}

function distanceM(a: LonLat, b: LonLat): number {
  const dx = (b[0] - a[0]) * Math.cos((a[1] * Math.PI) / 180) * M_PER_DEG;
  const dy = (b[1] - a[1]) * M_PER_DEG;
  return Math.hypot(dx, dy);
}
