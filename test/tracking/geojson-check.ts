/**
 * An RFC 7946 checker for the tests, written from the RFC rather than from our exporter: the
 * members each object must have (§3), positions as [longitude, latitude] numbers (§3.1.1),
 * LineStrings of two or more positions (§3.1.4), closed linear rings of four or more with the
 * exterior anticlockwise (§3.1.6), and no `crs` (§4). Returns every problem found.
 */
type Json = Record<string, unknown>;

function position(p: unknown, where: string, out: string[]): void {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    out.push(`${where}: not a position`);
    return;
  }
  const [lon, lat] = p as number[];
  if (lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90) out.push(`${where}: out of range`);
}

function ring(r: unknown, where: string, out: string[], exterior: boolean): void {
  if (!Array.isArray(r) || r.length < 4) return void out.push(`${where}: a linear ring needs 4 or more positions`);
  r.forEach((p, i) => position(p, `${where}[${i}]`, out));
  const a = r[0] as number[];
  const b = r[r.length - 1] as number[];
  if (a[0] !== b[0] || a[1] !== b[1]) out.push(`${where}: ring is not closed`);
  let area = 0;
  for (let i = 0; i + 1 < r.length; i++) area += (r[i] as number[])[0]! * (r[i + 1] as number[])[1]! - (r[i + 1] as number[])[0]! * (r[i] as number[])[1]!;
  if (exterior && area <= 0) out.push(`${where}: exterior ring is not anticlockwise`);
}

function geometry(g: unknown, where: string, out: string[]): void {
  const o = g as Json | null;
  if (!o || typeof o !== 'object') return void out.push(`${where}: no geometry`);
  const c = o.coordinates;
  switch (o.type) {
    case 'Point':
      return position(c, `${where}.coordinates`, out);
    case 'LineString':
      if (!Array.isArray(c) || c.length < 2) return void out.push(`${where}: a LineString needs 2 or more positions`);
      return c.forEach((p, i) => position(p, `${where}.coordinates[${i}]`, out));
    case 'Polygon':
      if (!Array.isArray(c) || c.length < 1) return void out.push(`${where}: a Polygon needs a ring`);
      return c.forEach((r, i) => ring(r, `${where}.coordinates[${i}]`, out, i === 0));
    default:
      out.push(`${where}: unexpected geometry type ${String(o.type)}`);
  }
}

export function geoJsonProblems(doc: unknown): string[] {
  const out: string[] = [];
  const fc = doc as Json;
  if (fc?.type !== 'FeatureCollection') out.push('(root): not a FeatureCollection');
  if ('crs' in fc) out.push('(root): crs is not allowed');
  if (!Array.isArray(fc.features)) return [...out, '(root): features is not an array'];
  fc.features.forEach((f: unknown, i) => {
    const ft = f as Json;
    if (ft.type !== 'Feature') out.push(`features[${i}]: not a Feature`);
    if (!('properties' in ft)) out.push(`features[${i}]: no properties member`);
    if ('id' in ft && typeof ft.id !== 'string' && typeof ft.id !== 'number') out.push(`features[${i}]: id must be a string or number`);
    geometry(ft.geometry, `features[${i}].geometry`, out);
  });
  return out;
}
