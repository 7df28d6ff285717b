/** What Linux's /proc says of a process: its memory and the CPU time it has used. */
import { readFileSync } from 'node:fs';

/** Resident and peak resident memory of `pid`, in MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) };
}

/** Clock ticks a second in /proc's times: 100 on every Linux this runs on (USER_HZ). */
const ticksPerSecond = 100;

/**
 * The CPU time `pid` has used, all its threads, in user and kernel mode, in seconds; null
 * where /proc cannot tell (not Linux, or the process is gone).
 */
export function cpuSecondsOf(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name, in parentheses, may hold spaces: the fields are counted after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return Number.isFinite(user) && Number.isFinite(system) ? (user + system) / ticksPerSecond : null;
}
