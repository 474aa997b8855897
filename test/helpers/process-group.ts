import { readdirSync, readFileSync } from 'node:fs';

/** Ends every process of a group the test started (`detached: true`), whatever it left. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Every live process in process group `pgid`, as `pid command line` (from /proc). */
export function groupMembers(pgid: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces, so split after its closing paren.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[2]) !== pgid) continue;
      out.push(`${name} ${readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
    } catch {
      // exited while we looked
    }
  }
  return out;
}
