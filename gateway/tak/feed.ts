import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { TakSettings } from '../../config/schema';
import type { Bus } from '../bus';
import { isEvent } from '../contract/events';
import type { Journal } from '../journal/journal';
import type { JournalEvent } from '../journal/types';
import type { Projections } from '../projections';
import { trackMarks, unitMark, type MarkClock } from './marks';
import { takView, type TakView } from './view';

export interface TakFeedDeps {
  settings: TakSettings;
  projections: Projections;
  bus: Bus;
  journal: Journal;
  log: Logger;
}

/**
 * A live Cursor-on-Target feed over TCP, the way TAK clients stream from a server: CoT
 * `<event>`s back to back, one per line. A client gets every mark on connect, then what
 * changed (gathered for `intervalSeconds`), and every live mark again at half the stale time,
 * so marks that stop coming (a unit gone quiet, a track that ended) expire in the client.
 */
export class TakFeed {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();
  private readonly dirtyUnits = new Set<string>();
  private readonly dirtyTracks = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly audits = new Set<Promise<unknown>>();
  private view: TakView = { units: false, tracks: false };

  constructor(private readonly deps: TakFeedDeps) {}

  get port(): number {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  async start(): Promise<void> {
    const { settings, bus, log } = this.deps;
    if (!settings.role) throw new Error('tak.role: required when the TAK feed is enabled');
    this.view = takView(settings.role);
    // Fail closed and loudly: a feed that may show nothing is a misconfiguration.
    if (!this.view.units && !this.view.tracks) throw new Error(`tak.role: role "${settings.role}" may see neither units nor tracks`);
    bus.on('committed', 'tak', (events) => this.onCommitted(events));
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: settings.host, port: settings.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'TAK feed server error'));
    this.server = server;
    this.timers.push(
      setInterval(() => this.flush(), settings.intervalSeconds * 1000),
      setInterval(() => this.refresh(), (settings.staleSeconds * 1000) / 2),
    );
    log.info({ host: settings.host, port: this.port, role: settings.role, view: this.view }, 'TAK feed listening');
  }

  async stop(): Promise<void> {
    this.deps.bus.removeOwner('tak');
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([...this.audits]);
  }

  private clock(): MarkClock {
    const nowMs = Date.now();
    return { nowMs, staleMs: nowMs + this.deps.settings.staleSeconds * 1000 };
  }

  private accept(socket: Socket): void {
    const { settings, log, journal } = this.deps;
    const peer = { address: socket.remoteAddress ?? null, port: socket.remotePort ?? null };
    socket.on('error', (err) => log.debug({ err, ...peer }, 'TAK client socket error'));
    if (this.clients.size >= settings.maxClients) {
      log.warn({ ...peer, max: settings.maxClients }, 'TAK client refused: too many clients');
      socket.destroy();
      return;
    }
    // start() refuses to listen without a role; fail closed all the same.
    const { role } = settings;
    if (!role) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    // TAK clients send their own position and pings; this feed is one-way, so read and drop.
    socket.on('data', () => {});
    socket.on('close', () => this.clients.delete(socket));
    this.clients.add(socket);
    log.info({ ...peer, clients: this.clients.size }, 'TAK client connected');
    // Who took the feed, and from where: it carries a console role's view of the town.
    const audit = journal
      .append({ source: 'tak', type: 'tak.client-connected', payload: { ...peer, role } })
      .catch((err: unknown) => log.error({ err }, 'could not journal a TAK connection'))
      .finally(() => this.audits.delete(audit));
    this.audits.add(audit);
    this.send(socket, this.all(this.clock()));
  }

  private onCommitted(events: readonly JournalEvent[]): void {
    for (const e of events) {
      if (e.payload === null) continue; // erased under retention
      if (isEvent(e, 'radio.position', 'radio.ptt', 'radio.status', 'radio.emergency', 'radio.text', 'radio.receipt', 'radio.presence') && e.payload) {
        const unit = this.deps.projections.units.unitByIssi(e.payload.issi);
        if (unit) this.dirtyUnits.add(unit.id);
      } else if (isEvent(e, 'unit.lost-contact', 'incident.dispatched', 'incident.on-scene') && e.payload) {
        this.dirtyUnits.add(e.payload.unitId);
      } else if (e.type === 'track.sighting' && e.payload?.sighting.subjectId) {
        this.dirtyTracks.add(e.payload.sighting.subjectId);
      } else if (e.type === 'track.ended' && e.payload) {
        this.dirtyTracks.add(e.payload.subjectId);
      }
    }
  }

  /** What changed since the last flush, to every client. */
  private flush(): void {
    const units = [...this.dirtyUnits];
    const tracks = [...this.dirtyTracks];
    this.dirtyUnits.clear();
    this.dirtyTracks.clear();
    if (this.clients.size === 0) return;
    const { projections } = this.deps;
    const c = this.clock();
    const out: string[] = [];
    if (this.view.units) {
      for (const id of units) {
        const u = projections.units.get(id);
        const mark = u ? unitMark(u, c) : null;
        if (mark) out.push(mark);
      }
    }
    if (this.view.tracks) {
      for (const id of tracks) {
        const t = projections.tracks.get(id);
        if (t) out.push(...trackMarks(t, c));
      }
    }
    this.broadcast(out);
  }

  private refresh(): void {
    if (this.clients.size > 0) this.broadcast(this.all(this.clock()));
  }

  /** Every live mark the role may see: units with a fix, tracks not ended. */
  private all(c: MarkClock): string[] {
    const { projections } = this.deps;
    const out: string[] = [];
    if (this.view.units) {
      for (const u of projections.units.all()) {
        const mark = unitMark(u, c);
        if (mark) out.push(mark);
      }
    }
    if (this.view.tracks) {
      for (const t of projections.tracks.all()) if (t.state === 'active') out.push(...trackMarks(t, c));
    }
    return out;
  }

  private broadcast(events: readonly string[]): void {
    if (events.length === 0) return;
    for (const c of this.clients) this.send(c, events);
  }

  /**
   * A client that does not read is cut off once more than `maxBufferKb` is still queued for it
   * when the next batch comes: memory stays bounded (by that plus one batch), and a TAK client
   * reconnects and gets a fresh snapshot anyway. Checked before writing, so one large snapshot
   * to a client that keeps up is not mistaken for a slow client.
   */
  private send(socket: Socket, events: readonly string[]): void {
    if (events.length === 0 || socket.destroyed) return;
    if (socket.writableLength > this.deps.settings.maxBufferKb * 1024) {
      this.deps.log.warn({ address: socket.remoteAddress, queued: socket.writableLength }, 'TAK client too slow: disconnected');
      this.clients.delete(socket);
      socket.destroy();
      return;
    }
    socket.write(`${events.join('\n')}\n`);
  }
}
