// Where a kernel window job's CPU time goes: bench/windows.ts's job, run alone, with the
// WindowAggregator's calls timed (wall time, each batch's update, each window's fire).
//   node --expose-gc --import tsx bench/windows_probe.ts [--runs N] [--only tumbling|sliding]
import { loadavg } from 'node:os';
import { WindowAggregator } from '../src/kernels/window_aggregator.ts';
import { median, settle } from './measure.ts';
import { SLIDING, TUMBLING, eddy, workload } from './windows.ts';

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}
const runs = Number(arg('--runs') ?? 5);
const only = arg('--only');
const timers = new Map<string, number>();
for (const name of ['update', 'fire', 'retire', 'slices'] as const) {
  const proto = WindowAggregator.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = proto[name];
  proto[name] = function (this: unknown, ...a: unknown[]) {
    const t0 = performance.now();
    try {
      return original.apply(this, a);
    } finally {
      timers.set(name, (timers.get(name) ?? 0) + performance.now() - t0);
    }
  };
}
const w = workload(10_000_000, 100_000);
console.log(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const windowing of [TUMBLING, SLIDING]) {
  if (only !== undefined && !windowing.name.includes(only)) continue;
  const rows: Record<string, number[]> = {};
  for (let r = 0; r < runs; r++) {
    timers.clear();
    await settle();
    const w0 = performance.now();
    const res = await eddy(w, windowing, true);
    const wall = performance.now() - w0;
    for (const [k, v] of [['cpu', res.seconds * 1000], ['wall', wall], ...timers] as [string, number][]) (rows[k] ??= []).push(v);
  }
  console.log(`${windowing.name}: ` + Object.entries(rows).map(([k, v]) => `${k} ${median(v).toFixed(1)} ms`).join(', '));
}
console.log(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
