// The window kernel's reference in the tests: count, sum, min and max per (key, slice) in
// arrival order; a window merges its slices in slice order, as the kernel does.
import { compareDouble } from '../../src/kernels/index.ts';

export type Acc = { count: number; sum: number; min: number; max: number };
export type SliceEvent = readonly [key: number, slice: number, value: number];

export class SliceReference {
  readonly entries = new Map<string, { key: number; slice: number; acc: Acc }>();
  add(key: number, slice: number, v: number): void {
    const id = `${key}/${slice}`;
    const e = this.entries.get(id);
    if (e === undefined) this.entries.set(id, { key, slice, acc: { count: 1, sum: v, min: v, max: v } });
    else merge(e.acc, { count: 1, sum: v, min: v, max: v });
  }
  addAll(events: readonly SliceEvent[]): void {
    for (const [key, slice, v] of events) this.add(key, slice, v);
  }
  fire(lo: number, hi: number): Map<number, Acc> {
    const out = new Map<number, Acc>();
    const inWindow = [...this.entries.values()].filter((e) => e.slice >= lo && e.slice < hi).sort((a, b) => a.slice - b.slice);
    for (const { key, acc } of inWindow) {
      const r = out.get(key);
      if (r === undefined) out.set(key, { ...acc });
      else merge(r, acc);
    }
    return out;
  }
  retire(below: number): void {
    for (const [id, e] of this.entries) if (e.slice < below) this.entries.delete(id);
  }
}

function merge(a: Acc, b: Acc): void {
  a.count += b.count;
  a.sum += b.sum;
  if (compareDouble(b.min, a.min) < 0) a.min = b.min;
  if (compareDouble(b.max, a.max) > 0) a.max = b.max;
}
