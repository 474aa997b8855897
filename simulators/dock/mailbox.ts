/** What the gateway tells a dock, once it has arrived in order. */
export type Mail =
  | { type: 'req'; fileNo: number; offset: number }
  | { type: 'done'; fileNo: number; ok: boolean; sha256: string; reason?: string | undefined }
  | { type: 'erase'; fileNo: number };

interface Waiter {
  pred: (m: Mail) => boolean;
  gone: () => boolean;
  Gone: new () => Error;
  resolve: (m: Mail) => void;
  reject: (err: Error) => void;
}

const KEEP = 32;

/**
 * Lets the simulator's offload loop read like a script ("offer, wait for FILE_REQ, send, wait
 * for FILE_DONE") while frames arrive whenever they like. A link reset fails every wait.
 */
export class Mailbox {
  private box: Mail[] = [];
  private waiters = new Set<Waiter>();
  private idlers = new Set<() => void>();

  put(m: Mail): void {
    for (const w of this.waiters) {
      if (!w.pred(m)) continue;
      this.waiters.delete(w);
      w.resolve(m);
      return;
    }
    this.box.push(m);
    if (this.box.length > KEEP) this.box.shift();
    this.poke();
  }

  poll(pred: (m: Mail) => boolean): Mail | undefined {
    const at = this.box.findIndex(pred);
    return at < 0 ? undefined : this.box.splice(at, 1)[0];
  }

  /** Waits for matching mail; rejects with `Gone` as soon as `gone()` holds (checked on every poke). */
  take(pred: (m: Mail) => boolean, gone: () => boolean, Gone: new () => Error): Promise<Mail> {
    const now = this.poll(pred);
    if (now) return Promise.resolve(now);
    if (gone()) return Promise.reject(new Gone());
    return new Promise((resolve, reject) => this.waiters.add({ pred, gone, Gone, resolve, reject }));
  }

  /** Sleeps up to `ms`, or less if anything happens. */
  idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.idlers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.idlers.add(wake);
    });
  }

  poke(): void {
    for (const wake of [...this.idlers]) wake();
    for (const w of this.waiters) {
      if (!w.gone()) continue;
      this.waiters.delete(w);
      w.reject(new w.Gone());
    }
  }

  fail(err: Error): void {
    this.box = [];
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w.reject(err);
    this.poke();
  }
}
