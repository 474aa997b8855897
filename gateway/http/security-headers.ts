import type { ServerResponse } from 'node:http';

/**
 * The image source a configured tile server needs in the Content-Security-Policy: its scheme and
 * host (a `{s}` subdomain placeholder becomes a wildcard label). A path on the gateway needs
 * nothing beyond 'self'. Anything that does not parse as a plain host is left out: the tiles
 * are then blocked, which fails closed rather than widening the policy.
 */
export function tileSource(tileUrl: string | null | undefined): string | null {
  if (!tileUrl) return null;
  const m = /^(https?):\/\/([^/?#]+)/i.exec(tileUrl);
  if (!m) return null;
  const host = m[2]!.toLowerCase().replace(/\{s\}/g, '*');
  if (!/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/.test(host) || host.includes('..')) return null;
  return `${m[1]!.toLowerCase()}://${host}`;
}

/**
 * The Content-Security-Policy of every response: the console loads only its own scripts,
 * styles and data, so injected markup can run nothing. What the console needs, and why:
 * - `script-src 'self' 'wasm-unsafe-eval'`: JSMpeg decodes MPEG-1 in WebAssembly (compiling
 *   WebAssembly only, never JavaScript `eval`);
 * - `style-src 'self'`: the built stylesheet; Leaflet positions through the CSSOM, which CSP allows;
 * - `img-src 'self' data:`: Leaflet's stylesheet images, plus the tile server when configured;
 * - `connect-src 'self'`: the REST API, Socket.IO and the video WebSockets, all on this origin.
 */
export function contentSecurityPolicy(tileUrl?: string | null): string {
  const tiles = tileSource(tileUrl);
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    `img-src 'self' data:${tiles ? ` ${tiles}` : ''}`,
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every HTTP response of the gateway carries. */
export function securityHeaders(tileUrl?: string | null): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(tileUrl),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // For browsers without frame-ancestors.
    'x-frame-options': 'DENY',
  };
}

/** Sets the headers on a raw response before any handler (fastify or Socket.IO) writes it. */
export function applySecurityHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}
