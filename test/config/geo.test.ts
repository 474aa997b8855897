import { describe, expect, it } from 'vitest';
import { haversineMetres, pointInPolygon, polygonCentroid, type LonLat } from '../../config/geo';

const square: LonLat[] = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
  [0, 0],
];
// An L shape: the notch at the top right is outside.
const ell: LonLat[] = [
  [0, 0],
  [2, 0],
  [2, 1],
  [1, 1],
  [1, 2],
  [0, 2],
  [0, 0],
];

describe('pointInPolygon', () => {
  it('separates inside from outside', () => {
    expect(pointInPolygon([0.5, 0.5], square)).toBe(true);
    expect(pointInPolygon([1.5, 0.5], square)).toBe(false);
    expect(pointInPolygon([0.5, -0.1], square)).toBe(false);
  });

  it('handles concave polygons', () => {
    expect(pointInPolygon([0.5, 1.5], ell)).toBe(true);
    expect(pointInPolygon([1.5, 0.5], ell)).toBe(true);
    expect(pointInPolygon([1.5, 1.5], ell)).toBe(false);
  });

  it('does not double-count a ray through a vertex', () => {
    // y = 1 passes exactly through the L's inner vertices.
    expect(pointInPolygon([0.5, 1], ell)).toBe(true);
    expect(pointInPolygon([-0.5, 1], ell)).toBe(false);
  });

  it('accepts an unclosed ring', () => {
    expect(pointInPolygon([0.5, 0.5], square.slice(0, 4))).toBe(true);
    expect(pointInPolygon([2, 2], square.slice(0, 4))).toBe(false);
  });
});

describe('haversineMetres', () => {
  it('measures a degree of latitude as about 111.2 km', () => {
    expect(haversineMetres([-1.15, 52], [-1.15, 53])).toBeCloseTo(111_195, -1);
  });

  it('shrinks longitude with latitude', () => {
    const atTown = haversineMetres([-1.15, 52.955], [-1.14, 52.955]);
    expect(atTown).toBeGreaterThan(660);
    expect(atTown).toBeLessThan(680);
  });

  it('is symmetric and zero for the same point', () => {
    const a: LonLat = [-1.15, 52.955];
    const b: LonLat = [-1.147, 52.953];
    expect(haversineMetres(a, b)).toBeCloseTo(haversineMetres(b, a), 9);
    expect(haversineMetres(a, a)).toBe(0);
  });
});

describe('polygonCentroid', () => {
  it('finds the centre of a square and the balance point of an L', () => {
    const [x, y] = polygonCentroid(square);
    expect(x).toBeCloseTo(0.5, 12);
    expect(y).toBeCloseTo(0.5, 12);
    const [lx, ly] = polygonCentroid(ell);
    expect(lx).toBeCloseTo(5 / 6, 12);
    expect(ly).toBeCloseTo(5 / 6, 12);
  });
});
