import type { Logger } from 'pino';

/** A part of the gateway as the composition root sees it: started in order, stopped in reverse. */
export interface Part {
  /** Named in the log when its start or stop fails. */
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** How long one part may take to stop before the root gives up on it and stops the next. */
export const PART_STOP_TIMEOUT_MS = 2000;

export type StopOutcome = { name: string; ok: true } | { name: string; ok: false; reason: 'threw' | 'timed out' };

/**
 * Stops each part in turn, in the order given, each in isolation: a part whose stop throws, or
 * has not finished after `timeoutMs`, is logged with its name and the next one still stops.
 * One stuck part must not leave the journal open or a listener bound.
 */
export async function stopParts(parts: readonly Part[], opts: { log: Logger; timeoutMs: number }): Promise<StopOutcome[]> {
  const outcomes: StopOutcome[] = [];
  for (const part of parts) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), opts.timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => part.stop()), timedOut]);
      if (result === 'timed out') {
        opts.log.error({ part: part.name, timeoutMs: opts.timeoutMs }, 'part did not stop in time; stopping the next');
        outcomes.push({ name: part.name, ok: false, reason: 'timed out' });
      } else {
        outcomes.push({ name: part.name, ok: true });
      }
    } catch (err) {
      opts.log.error({ err, part: part.name }, 'part failed to stop; stopping the next');
      outcomes.push({ name: part.name, ok: false, reason: 'threw' });
    } finally {
      clearTimeout(timer);
    }
  }
  return outcomes;
}
