// The PEI start-up conversation. Radios differ in what they support: only AT and ATE0
// failing means we cannot talk to the MT; a refused CTSP or CNUMF is logged and skipped.
import type { Logger } from 'pino';
import { STARTUP_COMMANDS } from './constants';
import { CommandError, type CommandResult, type CommandSpec } from './command-queue';
import { parseLine } from './urc';

export interface StartupTimeouts {
  /** For the first AT: the same deadline as a keepalive probe. */
  probeMs: number;
  commandMs: number;
}

export interface StartupResult {
  ownIssi: number | null;
  operatingMode: number | null;
}

export async function runStartup(
  run: (spec: CommandSpec) => Promise<CommandResult>,
  timeouts: StartupTimeouts,
  log?: Logger,
): Promise<StartupResult> {
  const result: StartupResult = { ownIssi: null, operatingMode: null };
  for (const step of STARTUP_COMMANDS) {
    const spec: CommandSpec = {
      line: step.line,
      timeoutMs: step.line === 'AT' ? timeouts.probeMs : timeouts.commandMs,
      ...('expect' in step ? { expect: step.expect } : {}),
    };
    try {
      const { info } = await run(spec);
      for (const line of info) {
        const item = parseLine(line);
        if (item.kind === 'cnumf') result.ownIssi = item.party.ssi;
        if (item.kind === 'ctom') result.operatingMode = item.mode;
      }
    } catch (err) {
      if (step.required || !(err instanceof CommandError)) throw err;
      log?.warn({ command: step.line, err: err.message }, 'optional start-up command refused');
    }
  }
  return result;
}
