// AT commands go to the MT one at a time: responses carry no command id, so the only way
// to know which command an OK or +CME ERROR answers is to have a single one outstanding.
// Every command has a deadline; a missed deadline is reported to the owner, who treats the
// link as dead (a modem that stops answering usually needs the port reopened).
import { formatCommand } from './writer';

export interface CommandSpec {
  line: string;
  /** Prefix of the information response that belongs to this command, e.g. '+CNUMF:'. */
  expect?: string;
  /** Bytes of the command line when not the default `line\r` (CMGS ends with CR LF). */
  head?: Buffer;
  /** User data sent after the `> ` prompt (or after promptWaitMs if the MT gives none). */
  body?: Buffer;
  timeoutMs: number;
}

export interface CommandResult {
  info: string[];
  /** For a command with a body: whether the MT prompted with `> ` before it was sent. */
  prompted?: boolean;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    line: string,
  ) {
    super(`${command} failed: ${line}`);
    this.name = 'CommandError';
  }
}

export class CommandTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer to ${command} within ${timeoutMs} ms`);
    this.name = 'CommandTimeoutError';
  }
}

export interface QueueHooks {
  write(bytes: Buffer): void;
  onTimeout(error: CommandTimeoutError): void;
  promptWaitMs: number;
}

interface Pending {
  spec: CommandSpec;
  resolve(result: CommandResult): void;
  reject(err: Error): void;
  info: string[];
  prompted?: boolean;
  timer?: NodeJS.Timeout;
  promptTimer?: NodeJS.Timeout;
}

export class CommandQueue {
  private readonly waiting: Pending[] = [];
  private current: Pending | null = null;
  private closedWith: Error | null = null;

  constructor(private readonly hooks: QueueHooks) {}

  get busy(): boolean {
    return this.current !== null || this.waiting.length > 0;
  }

  run(spec: CommandSpec): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      if (this.closedWith) {
        reject(this.closedWith);
        return;
      }
      this.waiting.push({ spec, resolve, reject, info: [] });
      this.pump();
    });
  }

  /** OK, ERROR or +CME ERROR. Returns false when no command was waiting for it. */
  onFinal(ok: boolean, code: number | null, line: string): boolean {
    const cur = this.current;
    if (!cur) return false;
    this.settle(cur, ok ? null : new CommandError(cur.spec.line, code, line));
    return true;
  }

  /** Returns true when the line is the in-flight command's information response. */
  onInfo(line: string): boolean {
    const cur = this.current;
    if (!cur?.spec.expect || !line.startsWith(cur.spec.expect)) return false;
    cur.info.push(line);
    return true;
  }

  onPrompt(): boolean {
    const cur = this.current;
    if (!cur?.spec.body || cur.promptTimer === undefined) return false;
    cur.prompted = true;
    this.sendBody(cur);
    return true;
  }

  /** Reject everything outstanding; later commands are rejected at once. */
  close(err: Error): void {
    this.closedWith = err;
    const all = [...(this.current ? [this.current] : []), ...this.waiting.splice(0)];
    this.current = null;
    for (const p of all) {
      clearTimeout(p.timer);
      clearTimeout(p.promptTimer);
      p.reject(err);
    }
  }

  private pump(): void {
    if (this.current || this.closedWith) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.current = next;
    const { spec } = next;
    next.timer = setTimeout(() => {
      const err = new CommandTimeoutError(spec.line, spec.timeoutMs);
      // The owner hears of the timeout before the next command is written: it will
      // usually close the queue rather than talk on to a modem that has gone quiet.
      this.settle(next, err, false);
      this.hooks.onTimeout(err);
      this.pump();
    }, spec.timeoutMs);
    try {
      this.hooks.write(spec.head ?? formatCommand(spec.line));
      if (spec.body) next.promptTimer = setTimeout(() => this.sendBody(next), this.hooks.promptWaitMs);
    } catch (err) {
      this.settle(next, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private sendBody(p: Pending): void {
    clearTimeout(p.promptTimer);
    p.promptTimer = undefined;
    if (this.current !== p || !p.spec.body) return;
    try {
      this.hooks.write(p.spec.body);
    } catch (err) {
      this.settle(p, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private settle(p: Pending, err: Error | null, pumpNext = true): void {
    if (this.current !== p) return;
    clearTimeout(p.timer);
    clearTimeout(p.promptTimer);
    this.current = null;
    if (err) p.reject(err);
    else p.resolve({ info: p.info, ...(p.spec.body ? { prompted: p.prompted === true } : {}) });
    if (pumpNext) this.pump();
  }
}
