/**
 * Random window nodes for the generator (generate.ts): an assigner, a trigger, lateness, the
 * late side output and a window function, drawn from a variant number. Variant 0 is the simplest
 * (a tumbling window reduced with the default trigger), so shrinking moves towards it.
 */
import { WINDOW_REDUCE_FNS } from './spec.ts';
import type { AssignerSpec, SpecNode, TriggerSpec, WindowFn, WindowNode } from './spec.ts';

/** Times are small next to the generated t values (0..60), so windows hold a few records and data comes late. */
const ASSIGNERS: AssignerSpec[] = [
  { kind: 'tumbling', size: 10, offset: 0 }, { kind: 'sliding', size: 10, slide: 5, offset: 0 }, { kind: 'session', gap: 3 },
  { kind: 'count', size: 2 }, { kind: 'global' }, { kind: 'tumbling', size: 5, offset: 3 }, { kind: 'sliding', size: 15, slide: 10, offset: 2 },
  { kind: 'session', gap: 10 }, { kind: 'count', size: 3, slide: 1 }, { kind: 'tumbling', size: 20, offset: 0 },
  { kind: 'sliding', size: 6, slide: 4, offset: 0 }, { kind: 'count', size: 3, slide: 2 }, { kind: 'sliding', size: 20, slide: 5, offset: 3 },
  { kind: 'count', size: 3 },
];

const TRIGGERS: (TriggerSpec | undefined)[] = [
  undefined, undefined, { kind: 'count', count: 2 }, { kind: 'eventTime' }, { kind: 'continuousEventTime', interval: 4 },
  { kind: 'purging', nested: { kind: 'count', count: 2 } }, undefined, { kind: 'purging', nested: { kind: 'eventTime' } },
  { kind: 'count', count: 3 }, { kind: 'purging', nested: { kind: 'continuousEventTime', interval: 10 } },
  { kind: 'continuousEventTime', interval: 10 },
];

const LATENESS = [undefined, undefined, undefined, 2, 5, 30];
const FNS: WindowFn[] = ['reduce', 'process', 'aggregate', 'aggregateKey', 'reduceProcess', 'aggregateProcess'];

function scaled(a: AssignerSpec, k: number): AssignerSpec {
  switch (a.kind) {
    case 'tumbling': return { ...a, size: a.size * k, offset: a.offset * k };
    case 'sliding': return { ...a, size: a.size * k, slide: a.slide * k, offset: a.offset * k };
    case 'session': return { ...a, gap: a.gap * k };
    default: return a;
  }
}

function scaledTrigger(t: TriggerSpec, k: number): TriggerSpec {
  if (t.kind === 'continuousEventTime') return { ...t, interval: t.interval * k };
  if (t.kind === 'purging' && t.nested.kind === 'continuousEventTime') return { ...t, nested: { ...t.nested, interval: t.nested.interval * k } };
  return t;
}

/** Mixed-radix digits of a scrambled variant number: every dimension varies among the first few hundred. */
function digits(variant: number, radices: number[]): number[] {
  let h = variant === 0 ? 0 : (Math.imul(variant, 0x9e3779b1) >>> 0) % 1_000_003;
  return radices.map((r) => {
    const d = h % r;
    h = Math.floor(h / r);
    return d;
  });
}

export const WINDOW_VARIANTS = 400;

/**
 * The window node (and its late side output) on `input` (a keyBy: window; anything else:
 * windowAll), one per variant. Combinations Flink refuses or leaves open are left to
 * analysis.ts, which the generator asks before adding one.
 */
export function windowOptions(id: string, input: string, scale: number, fresh: () => string): LazyOptions {
  return { length: WINDOW_VARIANTS, at: (v) => windowVariant(v, id, input, scale, fresh) };
}

/** Options built only when tried: most steps try a few of them. */
export interface LazyOptions {
  length: number;
  at(i: number): SpecNode[];
}

function windowVariant(v: number, id: string, input: string, scale: number, fresh: () => string): SpecNode[] {
  {
    const [a, t, l, late, f, r, numeric] = digits(v, [ASSIGNERS.length, TRIGGERS.length, LATENESS.length, 3, FNS.length, WINDOW_REDUCE_FNS.length, 2]);
    const assigner = scaled(ASSIGNERS[a], scale);
    const fn = FNS[f];
    const trigger = assigner.kind === 'count' ? undefined
      : assigner.kind === 'global' && (TRIGGERS[t] === undefined || TRIGGERS[t]!.kind === 'continuousEventTime') ? { kind: 'purging' as const, nested: { kind: 'count' as const, count: 2 + (t % 2) } }
        : TRIGGERS[t] === undefined ? undefined : scaledTrigger(TRIGGERS[t]!, scale);
    const lateness = LATENESS[l];
    const node: WindowNode = {
      id, op: 'window', input, assigner,
      ...(trigger === undefined ? {} : { trigger }),
      ...(lateness === undefined ? {} : { allowedLateness: lateness * scale }),
      ...(late > 0 ? { lateData: true } : {}),
      fn,
      ...(fn === 'reduce' || fn === 'reduceProcess' ? { reduceFn: assigner.kind === 'session' ? 'maxAll' as const : WINDOW_REDUCE_FNS[r] } : {}),
      ...(fn === 'aggregateKey' && numeric === 1 ? { numeric: true } : {}),
    };
    return late > 0 ? [node, { id: fresh(), op: 'sideOutput', input: id, tag: 'late' }] : [node];
  }
}
