import type { Server } from 'node:net';

/** Starts a TCP (or TLS) server listening; rejects with the bind error (EADDRINUSE…) instead of emitting it. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
