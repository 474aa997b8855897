// The PEI start-up conversation. A command the station's config names optional may be
// refused (logged and skipped); any other refusal, or a missing answer we rely on, keeps the
// link down with a reason that says what to do.
import type { Logger } from 'pino';
import { CommandError, type CommandResult, type CommandSpec } from './command-queue';
import { NEVER_OPTIONAL, STARTUP_COMMANDS, ctgsCommand } from './constants';
import { parseLine } from './urc';

export interface StartupTimeouts {
  /** For the first AT: the same deadline as a keepalive probe. */
  probeMs: number;
  commandMs: number;
}

export interface StartupOptions {
  /** Commands this radio may refuse, exactly as sent (e.g. "AT+CTOM?"). */
  optionalCommands?: readonly string[];
  /** Talkgroups (GSSI) the station selects with AT+CTGS after the rest. */
  talkgroups?: readonly number[];
}

export interface StartupResult {
  ownIssi: number | null;
  operatingMode: number | null;
  /** Optional commands the radio refused. */
  refused: string[];
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function runStartup(
  run: (spec: CommandSpec) => Promise<CommandResult>,
  timeouts: StartupTimeouts,
  log?: Logger,
  options: StartupOptions = {},
): Promise<StartupResult> {
  const optional = new Set((options.optionalCommands ?? []).map((c) => c.toUpperCase()));
  const result: StartupResult = { ownIssi: null, operatingMode: null, refused: [] };
  const steps: Array<{ line: string; expect?: string }> = [...STARTUP_COMMANDS, ...(options.talkgroups ?? []).map((gssi) => ({ line: ctgsCommand(gssi) }))];
  for (const step of steps) {
    const spec: CommandSpec = {
      line: step.line,
      timeoutMs: step.line === 'AT' ? timeouts.probeMs : timeouts.commandMs,
      ...(step.expect ? { expect: step.expect } : {}),
    };
    const mayFail = optional.has(step.line.toUpperCase()) && !NEVER_OPTIONAL.has(step.line);
    try {
      const { info } = await run(spec);
      for (const line of info) {
        const item = parseLine(line);
        if (item.kind === 'cnumf') result.ownIssi = item.party.ssi;
        if (item.kind === 'ctom') result.operatingMode = item.mode;
      }
      if (step.expect && !mayFail && !info.some((l) => l.startsWith(step.expect!))) {
        throw new StartupError(`${step.line} gave no ${step.expect} answer`);
      }
    } catch (err) {
      if (mayFail && err instanceof CommandError) {
        result.refused.push(step.line);
        log?.warn({ command: step.line, err: err.message }, 'optional start-up command refused');
        continue;
      }
      if (err instanceof CommandError) {
        throw new StartupError(
          `${step.line} refused (${err.code === null ? 'ERROR' : `+CME ERROR: ${err.code}`}); if this radio cannot do it, name it in the station's optionalCommands`,
        );
      }
      throw err;
    }
  }
  return result;
}
