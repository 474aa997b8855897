import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The JSMpeg package injects a <style> element for its VideoElement wrapper when it loads. The
 * console uses only JSMpeg.Player on its own canvas, so that CSS is unused, and the gateway's
 * Content-Security-Policy (`style-src 'self'`, no inline styles) would refuse it anyway: the
 * injection is dropped at build time. Fails the build if the package changes shape, so a new
 * version is looked at rather than silently reporting a violation in every console.
 */
function noJsmpegStyleInject(): Plugin {
  return {
    name: 'townwatch:no-jsmpeg-style-inject',
    transform(code, id) {
      if (!id.includes('@cycjimmy/jsmpeg-player')) return null;
      const out = code.replace(/\bstyleInject\(css_248z\);/, '');
      if (out === code) this.error('@cycjimmy/jsmpeg-player no longer calls styleInject(css_248z): review the CSP note in console/vite.config.ts');
      return { code: out, map: null };
    },
  };
}

/**
 * The console is a plain TypeScript + DOM app bundled with its few libraries (Leaflet,
 * Socket.IO client, JSMpeg): no CDN, because the control room must work with the uplink down.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  plugins: [noJsmpegStyleInject()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // JSMpeg carries its WebAssembly decoder inline; one ~600 kB bundle is fine on a LAN.
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
});
