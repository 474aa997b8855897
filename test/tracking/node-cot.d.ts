/**
 * node-cot ships its TypeScript sources as its types, which do not compile under this repo's
 * strict settings; tests import its built JS through this small declaration of what they use.
 */
declare module '@tak-ps/node-cot/dist/index.js' {
  export default class CoT {
    constructor(xml: string);
    raw: { event: { _attributes: Record<string, string>; point: { _attributes: Record<string, string> } } };
    to_geojson(): {
      id: string;
      type: 'Feature';
      properties: { type: string; callsign: string; how: string; start: string; stale: string; remarks?: string };
      geometry: { type: string; coordinates: number[] | number[][] };
    };
  }
}
