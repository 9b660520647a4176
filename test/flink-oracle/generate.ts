/**
 * Random specifications. fast-check generates a recipe (modes, source data, and a list of
 * choices); buildSpec turns any recipe into a spec Flink determines, by offering at each step only
 * nodes that analysis.ts finds free of hazards. Shrinking a recipe (fewer records, fewer and
 * smaller choices) therefore always yields a valid, smaller spec.
 */
import fc from 'fast-check';
import { analyze, derive } from './analysis.ts';
import type { StreamProps } from './analysis.ts';
import {
  AGGREGATIONS, FILTER_FNS, FLATMAP_FNS, KEYED_PROCESS_FNS, MAP_FNS, PLAIN_PROCESS_FNS, REDUCE_FNS,
} from './spec.ts';
import { nodeInputs } from './spec.ts';
import type { Field, Rec, Spec, SpecNode } from './spec.ts';
import { windowOptions } from './generate_windows.ts';
import type { LazyOptions } from './generate_windows.ts';

export interface Recipe {
  mode: Spec['mode'];
  emission: Spec['watermarkEmission'];
  declareTypes: boolean;
  batchSize: number;
  sources: Rec[][];
  /** [which recent node, which kind of operator, which variant of it]. */
  steps: [number, number, number][];
}

export interface Sizes {
  maxSources: number;
  /** Most sources hold up to maxRecords records; one in ten up to maxLargeRecords. */
  maxRecords: number;
  maxLargeRecords: number;
  maxSteps: number;
}

export const DEFAULT_SIZES: Sizes = { maxSources: 3, maxRecords: 10, maxLargeRecords: 200, maxSteps: 8 };

const quarter = fc.integer({ min: -40, max: 40 }).map((q) => q / 4);
const anyDouble = fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0));

export const recArb: fc.Arbitrary<Rec> = fc.tuple(
  fc.constantFrom('a', 'b', 'c', 'd'),
  fc.integer({ min: -4, max: 9 }),
  fc.oneof({ weight: 4, arbitrary: quarter }, { weight: 1, arbitrary: anyDouble }),
  fc.integer({ min: 0, max: 60 }),
);

export function recipeArb(sizes: Sizes = DEFAULT_SIZES): fc.Arbitrary<Recipe> {
  return fc.record({
    mode: fc.constantFrom('STREAMING', 'BATCH'),
    emission: fc.constantFrom('perRecord', 'endOnly'),
    declareTypes: fc.boolean(),
    batchSize: fc.constantFrom(1024, 1, 2, 3),
    sources: fc.array(fc.oneof(
      { weight: 9, arbitrary: fc.array(recArb, { maxLength: sizes.maxRecords }) },
      { weight: 1, arbitrary: fc.array(recArb, { maxLength: sizes.maxLargeRecords }) },
    ), { minLength: 1, maxLength: sizes.maxSources }),
    steps: fc.array(fc.tuple(fc.nat(3), fc.nat(40), fc.nat(400)), { minLength: 1, maxLength: sizes.maxSteps }),
  });
}

const DELAYS = [0, 3, -5, 50];
const STEPS = [0, 2, -3, 50];

/** A step adds one or more nodes; `fresh` names them. */
type Addition = SpecNode[];

/** Round-robin over the lists, so small variant numbers reach every list. */
function interleave(lists: Addition[][]): Addition[] {
  const out: Addition[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

interface StepContext {
  target: string;
  props: ReadonlyMap<string, StreamProps>;
  /** Recent nodes other than the target, newest first. */
  others: string[];
  sourceIds: ReadonlySet<string>;
  /** Sources that have a watermarks node already. */
  watermarked: ReadonlySet<string>;
  /** Times in windows are multiplied by this: BATCH spreads t (see sourceRecords). */
  scale: number;
  fresh: () => string;
}

function keyedOps(kind: string, id: string, input: string, c: StepContext): Addition[] {
  switch (kind) {
    case 'aggregate':
      return interleave(AGGREGATIONS.map((k) => ([1, 2, 3, 0] as Field[]).map((field): Addition => [{ id, op: 'aggregate', input, kind: k, field }])));
    case 'reduce': return REDUCE_FNS.map((fn): Addition => [{ id, op: 'reduce', input, fn }]);
    case 'process':
      // One variant per function first, so each is as likely; then their parameters.
      return DELAYS.flatMap((delay) => STEPS.flatMap((step) => KEYED_PROCESS_FNS.map((fn): Addition => {
        const node: SpecNode = fn === 'count' ? { id, op: 'process', input, fn, delay }
          : fn === 'rearm' ? { id, op: 'process', input, fn, delay, step } : { id, op: 'process', input, fn };
        return fn === 'split' ? [node, { id: c.fresh(), op: 'sideOutput', input: id, tag: 'odd' }] : [node];
      })));
    case 'map': return MAP_FNS.map((fn): Addition => [{ id, op: 'map', input, fn }]);
    case 'filter': return FILTER_FNS.map((fn): Addition => [{ id, op: 'filter', input, fn }]);
    case 'flatMap': return FLATMAP_FNS.map((fn): Addition => [{ id, op: 'flatMap', input, fn }]);
    default: return [];
  }
}

const KEYED_KINDS = ['aggregate', 'reduce', 'process', 'process', 'map', 'filter', 'flatMap', 'window'];

/** Candidate additions of one kind on the target, in the order the variant choice indexes them. */
function additions(kind: string, c: StepContext): Addition[] | LazyOptions {
  const { target } = c;
  const p = c.props.get(target)!;
  if (p.keyedBy !== null) return kind === 'window' ? windowOptions(c.fresh(), target, c.scale, c.fresh) : keyedOps(kind, c.fresh(), target, c);
  const id = c.fresh();
  const pars: (1 | undefined)[] = p.par === 'one' ? [1, undefined] : [undefined];
  const par = (q: 1 | undefined): { parallelism?: 1 } => (q === undefined ? {} : { parallelism: q });
  switch (kind) {
    case 'keyed': {
      // keyBy and a keyed operator in one step: most keyBys exist to feed one.
      const op = c.fresh();
      // Windows come with their own kind ('window'), which can add watermarks first.
      return interleave(([0, 1] as const).flatMap((field) => KEYED_KINDS.filter((k) => k !== 'window').map((k) => keyedOps(k, op, id, c).map((a): Addition => [
        { id, op: 'keyBy', input: target, field }, ...a,
      ]))));
    }
    case 'keyBy': return ([0, 1] as const).map((field): Addition => [{ id, op: 'keyBy', input: target, field }]);
    case 'window': case 'windowAll': {
      // On a source without watermarks, the window gets them first (strategies by variant), so
      // event-time windows see out-of-order timestamps and late data.
      const wm = c.sourceIds.has(target) && !c.watermarked.has(target) && !p.timestamped;
      const strategies: (SpecNode | null)[] = wm ? [0, 1, 5, 0, 20, null, 1].map((d, i): SpecNode | null => (d === null ? null
        : i === 6 ? { id: c.fresh(), op: 'watermarks', input: target, strategy: 'monotonous' }
          : { id: c.fresh(), op: 'watermarks', input: target, strategy: 'bounded', outOfOrderness: d })) : [null];
      // Variants go round the strategies (and key fields) first, as interleave does.
      const keyed = c.fresh();
      type Way = { w: SpecNode | null; field: 0 | 1 | null };
      const ways = strategies.flatMap((w): Way[] => (kind === 'windowAll' ? [{ w, field: null }] : [{ w, field: 0 }, { w, field: 1 }]));
      const options = windowOptions(id, keyed, c.scale, c.fresh);
      return {
        length: ways.length * options.length,
        at: (i: number): Addition => {
          const { w, field } = ways[i % ways.length];
          const from = w === null ? target : w.id;
          const window = options.at(Math.floor(i / ways.length));
          if (field === null) return [...(w === null ? [] : [w]), ...window.map((n): SpecNode => (n.op === 'window' ? { ...n, input: from } : n))];
          return [...(w === null ? [] : [w]), { id: keyed, op: 'keyBy', input: from, field }, ...window];
        },
      };
    }
    case 'map': return MAP_FNS.flatMap((fn) => pars.map((q): Addition => [{ id, op: 'map', input: target, fn, ...par(q) }]));
    case 'filter': return FILTER_FNS.flatMap((fn) => pars.map((q): Addition => [{ id, op: 'filter', input: target, fn, ...par(q) }]));
    case 'flatMap': return FLATMAP_FNS.flatMap((fn) => pars.map((q): Addition => [{ id, op: 'flatMap', input: target, fn, ...par(q) }]));
    case 'process':
      return PLAIN_PROCESS_FNS.flatMap((fn) => pars.map((q): Addition => {
        const node: SpecNode = { id, op: 'process', input: target, fn, ...par(q) };
        return fn === 'split' ? [node, { id: c.fresh(), op: 'sideOutput', input: id, tag: 'odd' }] : [node];
      }));
    case 'watermarks':
      if (!c.sourceIds.has(target)) return [];
      // parallelism 1 is where Flink puts the operator anyway; saying so is a no-op there.
      return [undefined, 1 as const].flatMap((q) => [
        [{ id, op: 'watermarks', input: target, strategy: 'monotonous', ...par(q) }],
        ...[0, 1, 5, 20].map((d): Addition => [{ id, op: 'watermarks', input: target, strategy: 'bounded', outOfOrderness: d, ...par(q) }]),
      ]);
    case 'union':
      return c.others.filter((o) => c.props.get(o)!.keyedBy === null).map((o): Addition => [{ id, op: 'union', inputs: [target, o] }]);
    case 'connect': {
      // Both sides keyed by n, as in the README's enrichment; the other side is any recent plain stream.
      const k1 = id;
      const k2 = c.fresh();
      const co = c.fresh();
      return c.others.filter((o) => c.props.get(o)!.keyedBy === null).flatMap((o) => [
        [{ id: k1, op: 'keyBy', input: target, field: 1 }, { id: k2, op: 'keyBy', input: o, field: 1 }, { id: co, op: 'connect', inputs: [k1, k2], fn: 'enrich' }],
        [{ id: k1, op: 'keyBy', input: o, field: 1 }, { id: k2, op: 'keyBy', input: target, field: 1 }, { id: co, op: 'connect', inputs: [k1, k2], fn: 'enrich' }],
      ] as Addition[]);
    }
    default: return [];
  }
}

const PLAIN_KINDS = ['keyed', 'keyed', 'keyed', 'keyBy', 'map', 'filter', 'flatMap', 'watermarks', 'watermarks', 'process', 'union', 'connect', 'window', 'window', 'windowAll'];

/** In BATCH, t values are made distinct across all sources, so Flink's sort by timestamp never ties. */
function sourceRecords(recipe: Recipe): Rec[][] {
  if (recipe.mode === 'STREAMING') return recipe.sources;
  const total = recipe.sources.reduce((n, s) => n + s.length, 0);
  let i = 0;
  return recipe.sources.map((records) => records.map(([s, n, x, t]): Rec => [s, n, x, t * total + i++]));
}

/** The props of `base` with a few nodes added on top, without copying `base`. */
class Overlay {
  readonly added = new Map<string, StreamProps>();
  private readonly base: ReadonlyMap<string, StreamProps>;
  constructor(base: ReadonlyMap<string, StreamProps>) {
    this.base = base;
  }
  get(id: string): StreamProps | undefined {
    return this.added.get(id) ?? this.base.get(id);
  }
  has(id: string): boolean {
    return this.added.has(id) || this.base.has(id);
  }
}

export function buildSpec(recipe: Recipe): Spec {
  const spec: Spec = { version: 1, mode: recipe.mode, watermarkEmission: recipe.emission, declareTypes: recipe.declareTypes, batchSize: recipe.batchSize, nodes: [] };
  const ctx = { mode: recipe.mode, emission: recipe.emission };
  const props = new Map<string, StreamProps>();
  const add = (node: SpecNode): void => {
    spec.nodes.push(node);
    props.set(node.id, derive(node, props, ctx).props);
  };
  /** Adds the nodes if none has a hazard; otherwise adds nothing. */
  const tryAdd = (nodes: Addition): boolean => {
    const trial = new Overlay(props);
    for (const node of nodes) {
      const d = derive(node, trial as unknown as ReadonlyMap<string, StreamProps>, ctx);
      if (d.hazards.length > 0) return false;
      trial.added.set(node.id, d.props);
    }
    nodes.forEach(add);
    return true;
  };
  const scale = recipe.mode === 'BATCH' ? Math.max(1, recipe.sources.reduce((n, s) => n + s.length, 0)) : 1;
  const sourceIds = new Set<string>();
  sourceRecords(recipe).forEach((records, i) => {
    add({ id: `s${i}`, op: 'source', records });
    sourceIds.add(`s${i}`);
  });
  let next = 0;
  for (const [targetChoice, kindChoice, variantChoice] of recipe.steps) {
    const recent = spec.nodes.map((n) => n.id).reverse();
    let target = recent[targetChoice % recent.length];
    const kinds = props.get(target)!.keyedBy === null ? PLAIN_KINDS : KEYED_KINDS;
    const kind = kinds[kindChoice % kinds.length];
    if (kind === 'window' || kind === 'windowAll') {
      // Event-time windows need timestamps: a plain stream without them gives way to a source
      // that can still get watermarks, so time windows are as common as count windows.
      const bare = [...sourceIds].filter((id) => !spec.nodes.some((n) => n.op === 'watermarks' && n.input === id));
      if (props.get(target)!.keyedBy === null && !props.get(target)!.timestamped && bare.length > 0) target = bare[targetChoice % bare.length];
    }
    if (kind === 'watermarks' && spec.nodes.some((n) => n.op === 'watermarks' && n.input === target)) continue;
    let fresh = next;
    const watermarked = new Set(spec.nodes.flatMap((n) => (n.op === 'watermarks' ? [n.input] : [])));
    const options = additions(kind, { target, props, others: recent.filter((o) => o !== target), sourceIds, watermarked, scale, fresh: () => `n${fresh++}` });
    for (let k = 0; k < options.length; k++) {
      const i = (variantChoice + k) % options.length;
      if (tryAdd(Array.isArray(options) ? options[i] : options.at(i))) break;
    }
    next = fresh;
  }
  // Every stream nobody reads gets a sink. A keyBy nobody reads whose sink Flink would not
  // determine (BATCH ties) does nothing: it is dropped, and its input may become such a stream.
  let sinks = 0;
  for (;;) {
    const read = new Set(spec.nodes.flatMap((n) => (n.op === 'sideOutput' ? [] : nodeInputs(n))));
    const leaf = spec.nodes.find((n) => n.op !== 'sink' && !read.has(n.id));
    if (leaf === undefined) break;
    const p = props.get(leaf.id)!;
    const sink: SpecNode = { id: `out${sinks}`, op: 'sink', input: leaf.id, ...(p.par === 'one' && p.keyedBy === null ? { parallelism: 1 as const } : {}) };
    if (tryAdd([sink])) sinks++;
    else spec.nodes = spec.nodes.filter((n) => n.id !== leaf.id);
  }
  const renamed = renumber(spec);
  const { hazards } = analyze(renamed);
  if (hazards.size > 0) throw new Error(`generator built a spec with hazards: ${JSON.stringify([...hazards])}`);
  return renamed;
}

/** Operator ids n0, n1, ... in node order (candidates that were not taken used up numbers). */
function renumber(spec: Spec): Spec {
  const names = new Map<string, string>();
  let i = 0;
  for (const n of spec.nodes) names.set(n.id, n.id.startsWith('n') ? `n${i++}` : n.id);
  const rename = (id: string): string => names.get(id)!;
  const nodes = spec.nodes.map((n): SpecNode => {
    if (n.op === 'source') return { ...n, id: rename(n.id) };
    if (n.op === 'union') return { ...n, id: rename(n.id), inputs: n.inputs.map(rename) };
    if (n.op === 'connect') return { ...n, id: rename(n.id), inputs: [rename(n.inputs[0]), rename(n.inputs[1])] };
    return { ...n, id: rename(n.id), input: rename(n.input) };
  });
  return { ...spec, nodes };
}
