import { io, type Socket } from 'socket.io-client';
import { CSRF_HEADER } from '../../gateway/contract/api';
import type { ClientToServerEvents, ConsoleEvent, ServerToClientEvents } from '../../gateway/contract/socket';

/**
 * A person at a console, as the browser is: logs in over REST (session cookie + CSRF token),
 * calls the REST API, and holds a Socket.IO connection for live events and commands.
 */
export class ConsoleClient {
  /** Every journal event the console was sent, in order. */
  readonly events: ConsoleEvent[] = [];
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;

  private constructor(
    private readonly base: string,
    readonly username: string,
    private readonly cookie: string,
    private readonly csrf: string,
  ) {}

  static async login(base: string, username: string, password: string): Promise<ConsoleClient> {
    const res = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login ${username}: HTTP ${res.status}`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const body = (await res.json()) as { data: { csrfToken: string } };
    return new ConsoleClient(base, username, cookie, body.data.csrfToken);
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      method,
      headers: { cookie: this.cookie, [CSRF_HEADER]: this.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    const json = (await res.json()) as { data?: T; error?: { code: string; message: string } };
    if (!res.ok || json.error) throw new Error(`${this.username} ${method} ${path}: ${json.error?.code ?? res.status} ${json.error?.message ?? ''}`);
    return json.data as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** A download (an export): its content type and text. */
  async file(path: string): Promise<{ type: string; text: string }> {
    const res = await this.request('GET', path);
    if (!res.ok) throw new Error(`${this.username} GET ${path}: HTTP ${res.status}`);
    return { type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  async connect(): Promise<void> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.base, {
      transports: ['websocket'],
      extraHeaders: { cookie: this.cookie },
      reconnection: false,
    });
    this.socket = socket;
    socket.on('journal:events', (batch) => this.events.push(...batch.events));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  }

  /** A Socket.IO command; resolves with its `data`, rejects with its `error`. */
  async command<T>(event: keyof ClientToServerEvents, input: unknown): Promise<T> {
    if (!this.socket) throw new Error('not connected');
    // The typed emit wants each command's own input type; the scenario passes plain objects.
    const s = this.socket.timeout(10_000) as unknown as {
      emitWithAck(e: string, i: unknown): Promise<{ data?: T; error?: { code: string; message: string } }>;
    };
    const reply = await s.emitWithAck(event, input);
    if (reply.error) throw new Error(`${this.username} ${event}: ${reply.error.code} ${reply.error.message}`);
    return reply.data as T;
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = null;
  }
}
