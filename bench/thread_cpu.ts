// CPU time per thread of a process, from Linux's /proc: what the object-record benches split a
// run's CPU by (the job's workers, V8's helper threads, the thread that started it).
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ: /proc's CPU times are in clock ticks of 1/100 s on Linux

/** CPU seconds of each thread of process `pid` (this one by default) now, by thread id, with its name (empty off Linux). */
export function threadCpu(pid: number | 'self' = 'self'): Map<string, { name: string; seconds: number }> {
  const out = new Map<string, { name: string; seconds: number }>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      out.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / TICK });
    } catch { /* the thread ended */ }
  }
  return out;
}
