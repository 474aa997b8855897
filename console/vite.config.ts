import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console is a plain TypeScript + DOM app bundled with its few libraries (Leaflet,
 * Socket.IO client, JSMpeg): no CDN, because the control room must work with the uplink down.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // JSMpeg carries its WebAssembly decoder inline; one ~600 kB bundle is fine on a LAN.
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
});
