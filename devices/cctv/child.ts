import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Child processes (ffmpeg, ffprobe, the RTSP simulator) that must never outlive us, not even
 * when we are SIGKILLed and get no chance to clean up. Node cannot call prctl(PR_SET_PDEATHSIG)
 * itself, so the child is started through util-linux `setpriv --pdeathsig KILL`, which sets it
 * and then execs the program: same pid, so our signals reach ffmpeg directly, and the kernel
 * kills it when our main thread (which does every spawn) dies. Where setpriv lacks the option, a
 * shell watchdog holds a pipe from us and kills the program when the pipe reaches EOF, which
 * the kernel guarantees when we die.
 */

export type DeathGuard = 'pdeathsig' | 'stdin-watchdog';

/** Finds an executable: an absolute path is checked as is, a bare name is looked up on PATH. */
export function findExecutable(name: string): string | null {
  const candidates =
    isAbsolute(name) || name.includes('/')
      ? [name]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

let detected: DeathGuard | null = null;

/** setpriv's `--pdeathsig` appeared in util-linux 2.33; older systems get the watchdog. */
export function defaultDeathGuard(): DeathGuard {
  if (detected) return detected;
  const setpriv = findExecutable('setpriv');
  const help = setpriv ? spawnSync(setpriv, ['--help'], { encoding: 'utf8', timeout: 5000 }).stdout : '';
  detected = help.includes('--pdeathsig') ? 'pdeathsig' : 'stdin-watchdog';
  return detected;
}

// fd 3 keeps our pipe for the watchdog; the program itself gets /dev/null as stdin. `$$` is the
// shell's pid, which `exec` hands to the program, so the watchdog kills the program itself.
const WATCHDOG = 'exec 3<&0; (cat <&3; kill -KILL $$) >/dev/null 2>&1 & exec "$@" 3<&- </dev/null';

export interface TiedSpawnOptions {
  guard?: DeathGuard;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The child's stdout and stderr: piped to us (default) or shared with ours. */
  output?: 'pipe' | 'inherit';
}

/** Spawns `command args…` with stdout and stderr piped (or inherited), tied to this process's life. */
export function spawnTied(command: string, args: readonly string[], opts: TiedSpawnOptions = {}): ChildProcess {
  const guard = opts.guard ?? defaultDeathGuard();
  const base = { env: opts.env ?? process.env, cwd: opts.cwd };
  const out = opts.output ?? 'pipe';
  if (guard === 'pdeathsig') {
    return spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], { ...base, stdio: ['ignore', out, out] });
  }
  // Our end of stdin stays open for the child's whole life; Node closes it when the child exits.
  return spawn('/bin/sh', ['-c', WATCHDOG, 'tied', command, ...args], { ...base, stdio: ['pipe', out, out] });
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Asks a child to stop (SIGTERM), then kills it after `graceMs`; resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 1500): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Keeps the tail of a child's stderr: enough to say why it stopped, bounded in memory. */
export class TailBuffer {
  private text = '';

  constructor(private readonly max = 2048) {}

  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.max);
  }

  /**
   * The last meaningful line, credentials masked. ffmpeg writes input errors as `<url>: <message>`;
   * passing that url leaves just the message.
   */
  lastLine(url?: string): string {
    const lines = this.text
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .filter((l) => l && !/^Last message repeated/.test(l));
    const last = lines[lines.length - 1] ?? '';
    return redactUrls(url && last.startsWith(`${url}: `) ? last.slice(url.length + 2) : last);
  }
}

/** Camera URLs often carry credentials (`rtsp://user:pass@host/…`): never log or journal them. */
export function redactUrls(text: string): string {
  return text.replace(/\b(rtsps?|https?):\/\/[^\s/@]+@/g, '$1://***@');
}
