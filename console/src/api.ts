import type { ApiResponse, SessionInfo } from '../../gateway/contract/api';

/** An API error as the gateway names it: `code` for the program, `message` for people. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The REST client. It holds the session's CSRF token (the cookie itself is httpOnly) and
 * sends it on every state-changing request, notes each answered request as activity (the
 * server ends a session after `sessionTtlMinutes` without one) and reports a lost session.
 */
export class Api {
  private csrf: string | null = null;
  /** When the server last saw us: the idle timeout counts from here. */
  lastActivity = Date.now();
  onSessionLost: () => void = () => {};

  setSession(info: SessionInfo | null): void {
    this.csrf = info?.csrfToken ?? null;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers['x-csrf-token'] = this.csrf;
    let res: Response;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    } catch {
      throw new ApiFailure(0, 'TW_NETWORK', 'the gateway cannot be reached');
    }
    this.lastActivity = Date.now();
    const json = (await res.json().catch(() => ({ error: { code: 'TW_BAD_RESPONSE', message: `HTTP ${res.status}` } }))) as ApiResponse<T>;
    if ('error' in json) {
      // A refused login (or first-login password change) is not a lost session.
      if (res.status === 401 && !path.startsWith('/api/login')) this.onSessionLost();
      throw new ApiFailure(res.status, json.error.code, json.error.message);
    }
    return json.data;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  /** A GET that tells "this gateway has no such route" apart from other failures. */
  async optional<T>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 404 && err.code === 'TW_NOT_FOUND' && /^GET /.test(err.message)) return null;
      throw err;
    }
  }
}
