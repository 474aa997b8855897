import pino, { type Logger } from 'pino';

/**
 * The gateway's root logger. Every module takes a child with its own `module` field so a
 * line in the log always says where it came from; tests pass `level: 'silent'`.
 */
export function createRootLogger(level = process.env.TW_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'townwatch' } });
}

export type { Logger };
