import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { TlsMaterial } from '../tls';
import { listen } from './listen';

/** A TLS client that has not finished its handshake by then is dropped (it holds a socket). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * MQTT over TLS (8883 by default): TLS is ended here and the decrypted stream handed to the
 * broker like any TCP connection, so authentication, ACL and journaling are the same.
 */
export class MqttTlsListener {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: { host: string; port: number; tls: TlsMaterial; handle: (socket: TLSSocket) => void; log: Logger }) {}

  async start(): Promise<void> {
    const server = createServer(
      { cert: this.opts.tls.cert, key: this.opts.tls.key, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, minVersion: 'TLSv1.2' },
      (socket) => {
        socket.setNoDelay(true); // as the plain listener: no Nagle delay on small QoS 1 packets
        this.opts.handle(socket);
      },
    );
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A client that does not trust us (or speaks plain MQTT to this port) only ends its own connection.
    server.on('tlsClientError', (err) => this.opts.log.debug({ err: err.message }, 'tls handshake failed'));
    await listen(server, this.opts.port, this.opts.host);
    this.server = server;
    this.opts.log.info({ port: this.port }, 'mqtt over tls listening');
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /**
   * Stops accepting and ends what is left: call it after the broker has stopped (which closes
   * its clients); handshakes still under way never reached the broker, so nothing else ends them.
   */
  stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
