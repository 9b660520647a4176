/**
 * What Flink promises about a spec's output, derived node by node, for the comparison rules
 * (compare.ts) and for the generator (generate.ts), which only builds specs whose output Flink
 * determines. Analysis is for parallelism 2: everything it promises holds at 1 as well.
 *
 * Flink's promises, and where they come from:
 * - Records keep their order per channel (producer subtask -> consumer subtask). So order survives
 *   forward edges, survives a hash edge per key, and is lost by rebalance and by merging
 *   channels (union, connect, several upstream subtasks).
 * - A subtask's watermark is the minimum over its input channels; with several channels the
 *   moment it advances, relative to the records, depends on timing. Event-time timers and
 *   watermark reads are therefore deterministic only on a single-channel path from a per-record
 *   watermark generator, or with no watermark before the end (endOnly, or none at all), or in BATCH.
 * - BATCH sorts each keyed input by (key, timestamp) before the operator sees it
 *   (SortingDataInput, MultiInputSortingDataInput): a key's order is its timestamp order. Ties
 *   are broken by Flink's QuickSort, which is stable only below 13 records; so a keyed operator
 *   in BATCH is deterministic when timestamps are distinct, or when its input is small and ordered.
 */
import type { Field, KeyField, Spec, SpecNode, WindowNode } from './spec.ts';
import { nodeInputs } from './spec.ts';

export interface StreamProps {
  /** The field a keyBy node keys by; null for every other node. */
  keyedBy: KeyField | null;
  /** Parallelism 1, or the job's. */
  par: 'one' | 'env';
  /**
   * Records that agree on these fields keep their relative order; [] = one total order; null =
   * none. TS (4) stands for the record's timestamp (a window's output: its window).
   */
  order: OrderField[] | null;
  /** Each record's subtask is determined (key group, or parallelism 1). */
  placed: boolean;
  /** The producing subtasks read one watermark-carrying channel each (see above). */
  wmSingle: boolean;
  /** A per-record watermark generator is upstream. */
  perRecordWm: boolean;
  /** Record timestamps are distinct, and come from these watermark nodes. */
  tsUnique: boolean;
  tsOrigins: string[];
  /** Records carry timestamps (a watermarks node, or an operator that stamps them, is upstream). */
  timestamped: boolean;
  /** A timestamp may be Flink's Long.MAX_VALUE (Eddy's +Infinity): no window assigner on it. */
  tsInfinite: boolean;
  /** At a source: its records' t values are distinct (they become distinct timestamps). */
  tDistinct: boolean;
  /** An upper bound on the number of records. */
  maxRecords: number;
  /** Field s may be null. */
  sNullable: boolean;
  /** t may hold Flink's Long.MIN_VALUE / MAX_VALUE (Eddy's ±Infinity): no arithmetic on it. */
  tSentinel: boolean;
  /** Fields whose values depend on how two inputs interleave: masked when comparing. */
  race: Field[];
  /** A window node's late-data side output: its input's records as the window read them. */
  late?: StreamProps;
  /** Bounds on |n|, |x| and |t|: Java's int n must not overflow, nor t leave JS's safe integers. */
  bounds: Bounds;
}

/** A record field, or TS: the record's timestamp, as an order field. */
export const TS = 4;
export type OrderField = Field | typeof TS;

export interface Bounds {
  n: number;
  x: number;
  t: number;
}

export interface Derived {
  props: StreamProps;
  /** Why Flink would not determine this node's output; the generator never adds such a node. */
  hazards: string[];
}

/** Small inputs sort stably in Flink's BATCH sorter (QuickSort uses insertion sort below 13). */
export const STABLE_SORT_LIMIT = 12;
const INT_MAX = 2 ** 31 - 1;

/** Fields each map function writes, and whether the write is one-to-one (keeps groups apart). */
const MAP_WRITES: Record<string, { field: Field; injective: boolean }[]> = {
  incN: [{ field: 1, injective: true }], scaleX: [{ field: 2, injective: true }], upperS: [{ field: 0, injective: false }],
  modN: [{ field: 1, injective: false }], shiftT: [{ field: 3, injective: true }], nFromX: [{ field: 1, injective: false }],
  sFromN: [{ field: 0, injective: false }],
};
const FLATMAP_WRITES: Record<string, Field[]> = { dupEven: [1], dropAll: [], byN: [], splitX: [2] };
const FLATMAP_FANOUT: Record<string, number> = { dupEven: 2, dropAll: 0, byN: 2, splitX: 2 };
/** Timer-driven process functions: their output depends on when watermarks arrive. */
export const EVENT_TIME_FNS = new Set(['count', 'rearm', 'buffer', 'wmProbe']);
/** Process functions that compute with t (timers at t + delay). */
const READS_T = new Set(['count', 'rearm', 'buffer']);

interface Context {
  mode: Spec['mode'];
  emission: Spec['watermarkEmission'];
}

function sameOrSubset(a: OrderField[], b: OrderField[]): boolean {
  return a.every((f) => b.includes(f));
}

function union(a: OrderField[], b: OrderField[]): OrderField[] {
  return [...new Set([...a, ...b])].sort() as OrderField[];
}

/** Order after a function that writes `fields` (non-injective writes to an order field lose the grouping). */
function afterWrites(order: OrderField[] | null, writes: { field: Field; injective: boolean }[]): OrderField[] | null {
  if (order === null) return null;
  return writes.some((w) => !w.injective && order.includes(w.field)) ? null : order;
}

interface Edge {
  order: OrderField[] | null;
  placed: boolean;
  wmSingle: boolean;
  hazards: string[];
}

/**
 * What a consumer at `par` sees from `input`, before its own function. Every consumer of a keyed
 * stream (a keyed operator, but also a map or a sink on a KeyedStream) reads it hash-partitioned,
 * and in BATCH sorted by (key, timestamp).
 */
function acrossEdge(ctx: Context, input: StreamProps, par: 'one' | 'env', what: string): Edge {
  if (input.keyedBy !== null) {
    const key = input.keyedBy;
    const hazards = keyedOrderHazard(ctx, input, key, what);
    return {
      // A key's records meet in one subtask, in their producer's order (or, in BATCH, sorted).
      order: ctx.mode === 'BATCH' && hazards.length === 0 ? [key] : input.order === null ? null : union(input.order, [key]),
      placed: true,
      wmSingle: input.par === 'one' && input.wmSingle,
      hazards,
    };
  }
  if (input.par === par) return { order: input.order, placed: input.placed, wmSingle: input.wmSingle, hazards: [] };
  // Rebalance: 1 -> 2 spreads records round-robin from a random start; 2 -> 1 merges two channels.
  return { order: null, placed: par === 'one', wmSingle: input.par === 'one' && input.wmSingle, hazards: [] };
}

/** Stream properties an edge sets. */
function fromEdge(e: Edge): Pick<StreamProps, 'order' | 'placed' | 'wmSingle'> {
  return { order: e.order, placed: e.placed, wmSingle: e.wmSingle };
}

function timingHazard(ctx: Context, input: StreamProps, wmSingle: boolean, what: string): string[] {
  if (ctx.mode === 'BATCH' || ctx.emission === 'endOnly' || !input.perRecordWm || wmSingle) return [];
  return [`${what} reads watermarks that arrive over several channels`];
}

/** A keyed operator sees a key's records in an order Flink determines. */
function keyedOrderHazard(ctx: Context, input: StreamProps, key: KeyField, what: string): string[] {
  if (ctx.mode === 'BATCH') {
    if (input.tsUnique) return [];
    if (input.order !== null && sameOrSubset(input.order, [key]) && input.maxRecords <= STABLE_SORT_LIMIT) return [];
    return [`${what} in BATCH: timestamps may tie on ${input.maxRecords} records, and Flink's sort breaks ties arbitrarily`];
  }
  if (input.order !== null && sameOrSubset(input.order, [key])) return [];
  return [`${what}: a key's records arrive in an order Flink leaves open`];
}

/** Bounds on a node's output values, from its inputs' (sums grow with the records summed). */
function boundsOf(node: SpecNode, props: ReadonlyMap<string, StreamProps>): Bounds {
  const abs = (values: number[]): number => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (node.op === 'source') return { n: abs(node.records.map((r) => r[1])), x: abs(node.records.map((r) => r[2])), t: abs(node.records.map((r) => r[3])) };
  const inputs = nodeInputs(node).map((id) => props.get(id)!);
  const b = inputs[inputs.length - 1].bounds;
  const r = inputs[inputs.length - 1].maxRecords;
  const timer = b.t + 50 + 3 * 50; // t + delay, re-registered up to twice with a step
  switch (node.op) {
    case 'map':
      switch (node.fn) {
        case 'incN': return { ...b, n: b.n + 1 };
        case 'scaleX': return { ...b, x: b.x * 1.5 };
        case 'modN': return { ...b, n: Math.min(b.n, 2) };
        case 'shiftT': return { ...b, t: b.t + 10 };
        case 'nFromX': return { ...b, n: b.x + 1 };
        default: return b;
      }
    case 'flatMap': return node.fn === 'dupEven' ? { ...b, n: b.n + 1 } : b;
    case 'aggregate':
      if (node.kind !== 'sum') return b;
      return { n: node.field === 1 ? b.n * r : b.n, x: node.field === 2 ? b.x * r : b.x, t: node.field === 3 ? b.t * r : b.t };
    case 'reduce':
      if (node.fn === 'sumNX') return { ...b, n: b.n * r, x: b.x * r };
      return node.fn === 'countN' ? { ...b, n: b.n + r } : b;
    case 'process':
      if (node.fn === 'count' || node.fn === 'rearm') return { n: r, x: Math.max(b.x, timer), t: Math.max(b.t, timer) };
      if (node.fn === 'names') return { ...b, n: r };
      return node.fn === 'procTimer' ? { n: r, x: Math.max(b.x, 7), t: Math.max(b.t, 1) } : b;
    case 'union': return { n: Math.max(...inputs.map((p) => p.bounds.n)), x: Math.max(...inputs.map((p) => p.bounds.x)), t: Math.max(...inputs.map((p) => p.bounds.t)) };
    case 'connect': return { ...b, x: b.x * r };
    case 'window': {
      // Sums of n (sumNX, the aggregate's t), counts, windows' bounds, x sums (sumNX).
      const reach = node.assigner.kind === 'tumbling' || node.assigner.kind === 'sliding' ? node.assigner.size + node.assigner.offset
        : node.assigner.kind === 'session' ? node.assigner.gap : 0;
      const infinite = node.assigner.kind === 'global' || node.assigner.kind === 'count';
      const bounds = node.fn === 'process' || node.fn === 'reduceProcess' || node.fn === 'aggregateProcess';
      return {
        n: Math.max(b.n * r, r),
        x: bounds && infinite ? Infinity : Math.max(b.x * r, b.t + reach, b.n),
        t: Math.max(b.t + reach, b.n * r),
      };
    }
    default: return b;
  }
}

export function derive(node: SpecNode, props: ReadonlyMap<string, StreamProps>, ctx: Context): Derived {
  const d = deriveOrder(node, props, ctx);
  if (node.op !== 'window') d.props.late = undefined;
  const bounds = boundsOf(node, props);
  if (bounds.n > INT_MAX) d.hazards.push(`n may reach ${bounds.n}: Java's int would overflow`);
  if (bounds.t > Number.MAX_SAFE_INTEGER) d.hazards.push(`t may reach ${bounds.t}: beyond JS's safe integers`);
  return { props: { ...d.props, bounds }, hazards: d.hazards };
}

function deriveOrder(node: SpecNode, props: ReadonlyMap<string, StreamProps>, ctx: Context): Derived {
  const get = (id: string): StreamProps => {
    const p = props.get(id);
    if (p === undefined) throw new Error(`spec: node ${node.id} reads unknown node ${id}`);
    return p;
  };
  const hazards: string[] = [];
  const base = (input: StreamProps): StreamProps => ({ ...input, keyedBy: null });
  switch (node.op) {
    case 'source':
      return {
        props: {
          keyedBy: null, par: 'one', order: [], placed: true, wmSingle: true, perRecordWm: false, tsUnique: false,
          tsOrigins: [], tDistinct: new Set(node.records.map((r) => r[3])).size === node.records.length,
          maxRecords: node.records.length, sNullable: node.records.some((r) => r[0] === null),
          tSentinel: false, race: [], bounds: { n: 0, x: 0, t: 0 }, timestamped: false, tsInfinite: false,
        },
        hazards,
      };
    case 'watermarks': {
      const input = get(node.input);
      return {
        props: {
          ...base(input), perRecordWm: ctx.emission === 'perRecord', tsUnique: input.tDistinct, tsOrigins: [node.id],
          timestamped: true, tsInfinite: false,
        },
        hazards: input.par === 'one' && input.keyedBy === null ? hazards : ['watermarks go right after a source'],
      };
    }
    case 'map': case 'filter': case 'flatMap': {
      const input = get(node.input);
      const par = node.parallelism === 1 ? 'one' : 'env';
      const edge = acrossEdge(ctx, input, par, node.op);
      hazards.push(...edge.hazards);
      const out: StreamProps = { ...base(input), par, ...fromEdge(edge) };
      if (node.op === 'map') {
        out.order = afterWrites(edge.order, MAP_WRITES[node.fn]);
        if (node.fn === 'shiftT' && input.tSentinel) hazards.push('shiftT on a t that may be ±Infinity');
        if (node.fn === 'sFromN') out.sNullable = false;
      } else if (node.op === 'flatMap') {
        out.order = afterWrites(edge.order, FLATMAP_WRITES[node.fn].map((field) => ({ field, injective: false })));
        out.maxRecords = input.maxRecords * FLATMAP_FANOUT[node.fn];
        if (FLATMAP_FANOUT[node.fn] > 1) out.tsUnique = false;
      }
      if (input.race.length > 0) hazards.push('reads a field that depends on input interleaving');
      return { props: out, hazards };
    }
    case 'keyBy': {
      const input = get(node.input);
      if (input.keyedBy !== null) hazards.push('keyBy of a keyBy');
      if (node.field === 0 && input.sNullable) hazards.push('keyBy s where s may be null');
      if (input.race.length > 0) hazards.push('reads a field that depends on input interleaving');
      return { props: { ...input, keyedBy: node.field }, hazards };
    }
    case 'aggregate': case 'reduce': {
      const keyed = get(node.input);
      if (keyed.keyedBy === null) return { props: keyed, hazards: [`${node.op} needs a keyBy input`] };
      const key = keyed.keyedBy;
      const edge = acrossEdge(ctx, keyed, 'env', node.op);
      hazards.push(...edge.hazards);
      let order: OrderField[] | null = [key];
      if (node.op === 'aggregate') {
        if (node.field === key) hazards.push('aggregates its own key field');
        if (node.field === 0 && (node.kind === 'sum' || keyed.sNullable)) hazards.push(`${node.kind} on s`);
        if (node.field === 3 && node.kind === 'sum' && keyed.tSentinel) hazards.push('sum of a t that may be ±Infinity');
      } else if ((node.fn === 'sumNX' || node.fn === 'countN') && key === 1) {
        order = null; // the reduced n no longer names the key
      }
      return {
        props: {
          ...base(keyed), par: 'env', ...fromEdge(edge), order, placed: true,
          tsUnique: ctx.mode === 'STREAMING' && keyed.tsUnique,
          // BATCH: each key's one result carries Long.MAX_VALUE.
          ...(ctx.mode === 'BATCH' ? { tsInfinite: true, timestamped: true } : {}),
        },
        hazards,
      };
    }
    case 'process': {
      const input = get(node.input);
      if (input.race.length > 0) hazards.push('reads a field that depends on input interleaving');
      if (input.keyedBy === null) {
        const par = node.parallelism === 1 ? 'one' : 'env';
        const edge = acrossEdge(ctx, input, par, node.fn);
        if (node.fn === 'wmProbe') hazards.push(...timingHazard(ctx, input, edge.wmSingle, 'wmProbe'));
        if (node.fn !== 'split' && node.fn !== 'wmProbe') hazards.push(`${node.fn} needs a keyBy input`);
        return { props: { ...base(input), par, ...fromEdge(edge), tSentinel: input.tSentinel || node.fn === 'wmProbe' }, hazards };
      }
      const key = input.keyedBy;
      const fn = node.fn;
      const edge = acrossEdge(ctx, input, 'env', `process ${fn}`);
      hazards.push(...edge.hazards);
      if (EVENT_TIME_FNS.has(fn)) hazards.push(...timingHazard(ctx, input, edge.wmSingle, `process ${fn}`));
      if (READS_T.has(fn) && input.tSentinel) hazards.push(`${fn} computes with a t that may be ±Infinity`);
      const keyInS = fn === 'count' || fn === 'rearm' || fn === 'procTimer' || fn === 'names';
      const timers = fn === 'count' || fn === 'rearm' || fn === 'procTimer' || fn === 'buffer';
      return {
        props: {
          ...base(input), par: 'env', ...fromEdge(edge),
          order: keyInS ? [0] : [key],
          placed: true,
          sNullable: keyInS ? false : input.sNullable,
          tSentinel: fn === 'count' || fn === 'rearm' || fn === 'wmProbe' || (input.tSentinel && fn !== 'procTimer'),
          tsUnique: input.tsUnique && !timers,
          maxRecords: input.maxRecords * (fn === 'count' ? 2 : fn === 'rearm' ? 4 : fn === 'procTimer' ? 3 : 1),
        },
        hazards,
      };
    }
    case 'sideOutput': {
      const from = get(node.input);
      if (node.tag === 'late') {
        if (from.late === undefined) return { props: from, hazards: ['a late side output reads a window with lateData'] };
        return { props: from.late, hazards: [] };
      }
      return { props: from, hazards: [] };
    }
    case 'union': {
      const inputs = node.inputs.map(get);
      const origins = inputs.flatMap((p) => p.tsOrigins);
      const allPlacedEnv = inputs.every((p) => p.keyedBy !== null || (p.placed && p.par === 'env'));
      if (inputs.some((p) => p.race.length > 0)) hazards.push('reads a field that depends on input interleaving');
      return {
        props: {
          keyedBy: null, par: 'env', order: null, placed: allPlacedEnv, wmSingle: false, tDistinct: false,
          perRecordWm: inputs.some((p) => p.perRecordWm),
          tsUnique: inputs.every((p) => p.tsUnique) && new Set(origins).size === origins.length,
          tsOrigins: origins,
          timestamped: inputs.every((p) => p.timestamped),
          tsInfinite: inputs.some((p) => p.tsInfinite),
          maxRecords: inputs.reduce((n, p) => n + p.maxRecords, 0),
          sNullable: inputs.some((p) => p.sNullable),
          tSentinel: inputs.some((p) => p.tSentinel),
          race: [],
          bounds: { n: 0, x: 0, t: 0 }, // derive() sets them
        },
        hazards,
      };
    }
    case 'connect': {
      const [a, b] = node.inputs.map(get);
      if (a.keyedBy !== 1 || b.keyedBy !== 1) hazards.push('connect needs two inputs keyed by n');
      if (ctx.mode === 'BATCH') {
        const origins = [...a.tsOrigins, ...b.tsOrigins];
        if (!a.tsUnique || !b.tsUnique || new Set(origins).size !== origins.length) {
          hazards.push('connect in BATCH: Flink merges a key\'s two inputs by timestamp, which must not tie');
        }
      } else {
        for (const [p, i] of [[a, 1], [b, 2]] as const) {
          if (p.keyedBy !== null) hazards.push(...keyedOrderHazard(ctx, p, p.keyedBy, `connect input ${i}`));
        }
      }
      if (a.race.length > 0 || b.race.length > 0) hazards.push('reads a field that depends on input interleaving');
      return {
        props: {
          ...base(b), par: 'env', order: [1], placed: true, wmSingle: false,
          perRecordWm: a.perRecordWm || b.perRecordWm,
          sNullable: true,
          tSentinel: b.tSentinel,
          timestamped: a.timestamped && b.timestamped,
          tsInfinite: a.tsInfinite || b.tsInfinite,
          // In STREAMING the name depends on whether the item or the purchase came first.
          race: ctx.mode === 'STREAMING' ? [0] : [],
        },
        hazards,
      };
    }
    case 'window': return deriveWindow(node, get(node.input), ctx);
    case 'sink': {
      const input = get(node.input);
      const par = node.parallelism === 1 ? 'one' : 'env';
      const edge = acrossEdge(ctx, input, par, 'sink');
      hazards.push(...edge.hazards);
      return { props: { ...base(input), par, ...fromEdge(edge), race: input.race }, hazards };
    }
  }
}

/** Windows with several windows per key (sliding) whose firings may share a timestamp (continuous triggers). */
function firesTogether(node: WindowNode): boolean {
  const t = node.trigger === undefined ? null : node.trigger.kind === 'purging' ? node.trigger.nested : node.trigger;
  return node.assigner.kind === 'sliding' && t !== null && t.kind === 'continuousEventTime';
}

/** Reduce functions that keep a key's field: s always (every one keeps some record's s), n for these. */
const KEEPS_N = new Set(['last', 'minN', 'maxAll']);

/**
 * A window operator (keyed, or windowAll at parallelism 1). What Flink determines: a key's
 * windows fire in timestamp order, and a late element fires its windows in the assigner's order;
 * so a key's output is one sequence, except where several windows of the key fire at one
 * timestamp (sliding windows with a continuous trigger): then per (key, window timestamp).
 */
function deriveWindow(node: WindowNode, input: StreamProps, ctx: Context): Derived {
  const hazards: string[] = [];
  const a = node.assigner;
  const all = input.keyedBy === null;
  const what = `${all ? 'windowAll' : 'window'} ${node.fn}`;
  if (input.race.length > 0) hazards.push('reads a field that depends on input interleaving');
  const timeWindows = a.kind === 'tumbling' || a.kind === 'sliding' || a.kind === 'session';
  if (timeWindows && !input.timestamped) hazards.push(`${what}: time windows over records without timestamps (Flink fails the job)`);
  if (timeWindows && input.tsInfinite) hazards.push(`${what}: time windows over timestamps that may be Long.MAX_VALUE`);
  if (a.kind === 'global' && (node.trigger === undefined || node.trigger.kind === 'continuousEventTime'
    || (node.trigger.kind === 'purging' && node.trigger.nested.kind === 'continuousEventTime'))) {
    hazards.push(`${what}: GlobalWindows needs a count or event-time trigger`);
  }
  const nested = node.trigger?.kind === 'purging' ? node.trigger.nested : node.trigger;
  if (a.kind === 'global' && nested?.kind === 'eventTime') hazards.push(`${what}: EventTimeTrigger on GlobalWindows (known difference global-window-event-time-trigger)`);
  if (a.kind === 'count' && node.trigger !== undefined) hazards.push(`${what}: countWindow sets its own trigger`);
  if ((node.fn === 'reduce' || node.fn === 'reduceProcess') !== (node.reduceFn !== undefined)) hazards.push(`${what}: reduceFn goes with reduce and reduceProcess only`);
  if (a.kind === 'session' && node.reduceFn !== undefined && node.reduceFn !== 'maxAll') {
    hazards.push(`${what}: sessions merge reduced values in an order Flink does not pin; only maxAll is order-free`);
  }
  if (node.numeric === true && node.fn !== 'aggregateKey') hazards.push(`${what}: numeric is for aggregateKey`);
  // Watermarks decide firing and lateness, except for count and global windows with count triggers.
  const readsWatermarks = timeWindows || (node.trigger !== undefined && node.trigger.kind !== 'count'
    && !(node.trigger.kind === 'purging' && node.trigger.nested.kind === 'count'));
  let edge: Edge;
  if (all) {
    edge = acrossEdge(ctx, input, 'one', what);
    if (ctx.mode === 'BATCH') {
      // windowAll is keyed by a constant: Flink sorts the whole input by timestamp.
      if (!(input.tsUnique || (edge.order !== null && edge.order.length === 0 && input.maxRecords <= STABLE_SORT_LIMIT))) {
        hazards.push(`${what} in BATCH: timestamps may tie on ${input.maxRecords} records, and Flink's sort breaks ties arbitrarily`);
      }
    } else if (edge.order === null || edge.order.length > 0) {
      hazards.push(`${what}: the records arrive in an order Flink leaves open`);
    }
  } else {
    edge = acrossEdge(ctx, input, 'env', what);
    hazards.push(...edge.hazards);
  }
  if (readsWatermarks) hazards.push(...timingHazard(ctx, input, edge.wmSingle, what));
  const r = input.maxRecords;
  const perRecord = a.kind === 'sliding' ? Math.ceil(a.size / a.slide) : 1;
  const firings = r * perRecord * 3 + (a.kind === 'sliding' || a.kind === 'tumbling' ? r * Math.ceil(a.size / 4) : 0);
  const rowsPerFiring = node.fn === 'process' ? r + 1 : node.fn === 'reduceProcess' || node.fn === 'aggregateProcess' ? 2 : 1;
  const keyField: OrderField[] | null = all ? [] : node.fn === 'aggregate' ? null
    : node.fn === 'reduce' ? (input.keyedBy === 0 || KEEPS_N.has(node.reduceFn ?? '') ? [input.keyedBy!] : null) : [0];
  const order: OrderField[] | null = keyField === null ? null : firesTogether(node) ? union(keyField, [TS]) : keyField;
  const infinite = a.kind === 'global' || a.kind === 'count';
  const emitsBounds = node.fn === 'process' || node.fn === 'reduceProcess' || node.fn === 'aggregateProcess';
  const late: StreamProps | undefined = node.lateData === true
    ? { ...input, keyedBy: null, par: all ? 'one' : 'env', ...fromEdge(edge), placed: true, late: undefined }
    : undefined;
  return {
    props: {
      ...input, late, keyedBy: null, par: all ? 'one' : 'env', ...fromEdge(edge), order, placed: true,
      tsUnique: false, tsOrigins: [], timestamped: true, tsInfinite: infinite,
      tDistinct: false,
      maxRecords: firings * rowsPerFiring,
      sNullable: node.fn === 'reduce' ? input.sNullable : false,
      tSentinel: input.tSentinel || (emitsBounds && infinite),
      race: [],
    },
    hazards,
  };
}

/** Every node's properties and hazards, in spec order. */
export function analyze(spec: Spec): { props: Map<string, StreamProps>; hazards: Map<string, string[]> } {
  const props = new Map<string, StreamProps>();
  const hazards = new Map<string, string[]>();
  const ctx = { mode: spec.mode, emission: spec.watermarkEmission };
  for (const node of spec.nodes) {
    for (const input of nodeInputs(node)) {
      if (!props.has(input)) throw new Error(`spec: node ${node.id} reads ${input}, which is not defined before it`);
    }
    const d = derive(node, props, ctx);
    props.set(node.id, d.props);
    if (d.hazards.length > 0) hazards.set(node.id, d.hazards);
  }
  return { props, hazards };
}
