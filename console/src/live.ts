import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SocketAuth } from '../../gateway/contract/socket';
import type { Store } from './store';

export type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The live channel. The first connect gets the state; every reconnect sends the last seq this
 * console applied (`auth` is re-read on each attempt), so the gateway replays exactly what was
 * missed. The store skips anything at or below that seq, so a replay that overlaps a batch
 * already applied cannot double an event.
 */
export class Live {
  socket: ConsoleSocket | null = null;
  onUnauthenticated: () => void = () => {};
  private started = false;

  constructor(private readonly store: Store) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    const store = this.store;
    const socket: ConsoleSocket = io({
      path: '/socket.io',
      // WebSocket only: a control-room LAN has no proxy that needs long-polling, and a dropped
      // link then shows at once instead of after a polling timeout.
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      auth: (cb: (auth: SocketAuth) => void) => cb(store.seq > 0 ? { lastSeq: store.seq } : {}),
    });
    socket.on('connect', () => store.setConnection('live'));
    socket.on('disconnect', (reason) => {
      store.setConnection(navigator.onLine ? 'reconnecting' : 'offline');
      // A gateway that shuts down closes its sockets itself, and Socket.IO then does not retry:
      // try again, so the console comes back when the gateway does (or learns the session ended).
      if (reason === 'io server disconnect') window.setTimeout(() => this.socket?.connect(), 2000);
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthenticated') {
        this.stop();
        this.onUnauthenticated();
        return;
      }
      store.setConnection(navigator.onLine ? 'reconnecting' : 'offline');
    });
    socket.on('state:snapshot', (s) => store.reset(s));
    socket.on('journal:events', (b) => store.applyBatch(b.events, b.head));
    socket.on('units:positions', (p) => store.applyPositions(p));
    socket.on('units:state', (u) => store.applyUnits(u));
    socket.on('incidents:state', (i) => store.applyIncidents(i));
    socket.on('emergency:raising', (n) => store.applyRaising(n));
    this.socket = socket;
  }

  stop(): void {
    this.socket?.disconnect();
    this.socket = null;
    this.started = false;
  }
}
