/**
 * Hand-written specs, run at parallelism 1 and 2 on every `npm run test:flink`: the README's
 * patterns in the spec vocabulary, and shrunk disagreements worth keeping once fixed. Each must
 * agree with Flink, or differ only as a listed known difference.
 */
import type { Rec, Spec } from './spec.ts';

export interface Regression {
  name: string;
  spec: Spec;
}

const streaming = { version: 1, mode: 'STREAMING', watermarkEmission: 'perRecord', declareTypes: true } as const;
const batch = { version: 1, mode: 'BATCH', watermarkEmission: 'perRecord', declareTypes: true } as const;

/** Out-of-order records for window regressions: with a small bound, some come late. */
const LATE_RECORDS: Rec[] = [
  ['a', 1, 0, 5], ['a', 2, 0, 9], ['b', 3, 0, 14], ['a', 4, 0, 30], ['a', 5, 0, 11], ['b', 6, 0, 2], ['a', 7, 0, 40], ['a', 8, 0, 26], ['b', 9, 0, 33], ['a', -1, 0, 12],
];

export const REGRESSIONS: Regression[] = [
  {
    name: 'rolling sum per key (word count)',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['to', 1, 0, 0], ['be', 1, 0, 0], ['or', 1, 0, 0], ['not', 1, 0, 0], ['to', 1, 0, 0], ['be', 1, 0, 0]] },
        { id: 'n0', op: 'keyBy', input: 's0', field: 0 },
        { id: 'n1', op: 'aggregate', input: 'n0', kind: 'sum', field: 1 },
        { id: 'out0', op: 'sink', input: 'n1' },
      ],
    },
  },
  {
    name: 'BATCH max keeps the first record\'s other fields; one result per key',
    spec: {
      ...batch, nodes: [
        { id: 's0', op: 'source', records: [['a', 3, 1, 0], ['b', 1, 2, 0], ['a', 7, 3, 0], ['a', 5, 4, 0]] },
        { id: 'n0', op: 'keyBy', input: 's0', field: 0 },
        { id: 'n1', op: 'aggregate', input: 'n0', kind: 'max', field: 1 },
        { id: 'out0', op: 'sink', input: 'n1' },
      ],
    },
  },
  {
    name: 'minBy and maxBy keep the earlier record on ties',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 2, 1, 0], ['a', 2, 2, 1], ['a', 1, 3, 2], ['a', 1, 4, 3], ['a', 5, 5, 4], ['a', 5, 6, 5]] },
        { id: 'n0', op: 'keyBy', input: 's0', field: 0 },
        { id: 'n1', op: 'aggregate', input: 'n0', kind: 'minBy', field: 1 },
        { id: 'n2', op: 'keyBy', input: 's0', field: 0 },
        { id: 'n3', op: 'aggregate', input: 'n2', kind: 'maxBy', field: 1 },
        { id: 'out0', op: 'sink', input: 'n1' },
        { id: 'out1', op: 'sink', input: 'n3' },
      ],
    },
  },
  {
    name: 'event-time counter: timers fire as the per-record watermark passes them',
    spec: {
      ...streaming, declareTypes: false, nodes: [
        { id: 's0', op: 'source', records: [['ann', 1, 0, 100], ['bob', 1, 0, 200], ['ann', 1, 0, 300], ['ann', 1, 0, 2500]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'bounded', outOfOrderness: 100 },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'process', input: 'n1', fn: 'count', delay: 899 },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
  },
  {
    name: 'a timer at or below the watermark fires at the next watermark; re-registered ones in the same advance',
    spec: {
      ...streaming, declareTypes: false, nodes: [
        { id: 's0', op: 'source', records: [['a', 0, 0, 10], ['a', 0, 0, 20], ['b', 0, 0, 30]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'monotonous' },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'process', input: 'n1', fn: 'rearm', delay: -5, step: -3 },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
  },
  {
    name: 'ListState buffer released by event-time timers, out of order within the bound',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 5], ['a', 2, 0, 3], ['b', 3, 0, 8], ['a', 4, 0, 12], ['a', 5, 0, 9], ['b', 6, 0, 20]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'bounded', outOfOrderness: 4 },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'process', input: 'n1', fn: 'buffer' },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
  },
  {
    name: 'MapState distinct per key',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 0], ['a', 1, 0, 1], ['b', 1, 0, 2], ['a', 2, 0, 3], ['b', 1, 0, 4]] },
        { id: 'n0', op: 'keyBy', input: 's0', field: 0 },
        { id: 'n1', op: 'process', input: 'n0', fn: 'distinct' },
        { id: 'out0', op: 'sink', input: 'n1' },
      ],
    },
  },
  {
    name: 'processing-time timers an hour ahead never fire before a STREAMING job ends',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 0], ['b', 1, 0, 1], ['a', 1, 0, 2]] },
        { id: 'n0', op: 'keyBy', input: 's0', field: 0 },
        { id: 'n1', op: 'process', input: 'n0', fn: 'procTimer' },
        { id: 'out0', op: 'sink', input: 'n1' },
      ],
    },
  },
  {
    name: 'side outputs of a process function at parallelism 2',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 0], ['b', 2, 0, 1], ['c', 3, 0, 2], ['d', 4, 0, 3], ['e', 5, 0, 4], ['f', 6, 0, 5]] },
        { id: 'n0', op: 'process', input: 's0', fn: 'split' },
        { id: 'n1', op: 'sideOutput', input: 'n0', tag: 'odd' },
        { id: 'n2', op: 'map', input: 'n1', fn: 'upperS' },
        { id: 'out0', op: 'sink', input: 'n0' },
        { id: 'out1', op: 'sink', input: 'n2' },
      ],
    },
  },
  {
    name: 'enrichment: keyed connect shares state between its inputs (STREAMING: names masked)',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['apple', 1, 0, 0], ['pear', 2, 0, 1]] },
        { id: 's1', op: 'source', records: [['', 1, 3, 2], ['', 2, 1, 3], ['', 1, 2, 4], ['', 3, 7, 5]] },
        { id: 'n0', op: 'keyBy', input: 's0', field: 1 },
        { id: 'n1', op: 'keyBy', input: 's1', field: 1 },
        { id: 'n2', op: 'connect', inputs: ['n0', 'n1'], fn: 'enrich' },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
  },
  {
    name: 'enrichment in BATCH: a key\'s two inputs merge in timestamp order',
    spec: {
      ...batch, nodes: [
        { id: 's0', op: 'source', records: [['apple', 1, 0, 0], ['pear', 2, 0, 10], ['plum', 1, 0, 30]] },
        { id: 's1', op: 'source', records: [['', 1, 3, 5], ['', 2, 1, 3], ['', 1, 2, 40], ['', 3, 7, 7]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'monotonous' },
        { id: 'n1', op: 'watermarks', input: 's1', strategy: 'monotonous' },
        { id: 'n2', op: 'keyBy', input: 'n0', field: 1 },
        { id: 'n3', op: 'keyBy', input: 'n1', field: 1 },
        { id: 'n4', op: 'connect', inputs: ['n2', 'n3'], fn: 'enrich' },
        { id: 'out0', op: 'sink', input: 'n4' },
      ],
    },
  },
  {
    name: 'union of two sources, filtered and mapped at parallelism 2',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0.5, 0], ['b', 2, -1, 1], ['c', 3, 2.25, 2]] },
        { id: 's1', op: 'source', records: [['d', 4, 1, 3], ['a', 5, -0.5, 4]] },
        { id: 'n0', op: 'union', inputs: ['s0', 's1'] },
        { id: 'n1', op: 'filter', input: 'n0', fn: 'xPositive' },
        { id: 'n2', op: 'map', input: 'n1', fn: 'incN' },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
  },
  {
    name: 'integer keys route to Flink\'s subtasks (key groups of Integer.hashCode)',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [-4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n, i) => ['k', n, 1, i] as [string, number, number, number]) },
        { id: 'n0', op: 'keyBy', input: 's0', field: 1 },
        { id: 'n1', op: 'reduce', input: 'n0', fn: 'last' },
        { id: 'out0', op: 'sink', input: 'n1' },
      ],
    },
  },
  // Windows (README "Windows"): the PyFlink window behaviours in the spec vocabulary, and the
  // shrunk disagreements the window specs found.
  {
    name: 'tumbling windows with lateness: a late record within it fires its window again, one beyond it goes to the side output',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 1], ['b', 2, 0, 3], ['a', 3, 0, 12], ['a', 4, 0, 25], ['a', 5, 0, 8], ['b', 6, 0, 40], ['a', 7, 0, 2], ['b', 8, 0, 4]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'bounded', outOfOrderness: 2 },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', assigner: { kind: 'tumbling', size: 10, offset: 0 }, allowedLateness: 5, lateData: true, fn: 'process' },
        { id: 'n3', op: 'sideOutput', input: 'n2', tag: 'late' },
        { id: 'out0', op: 'sink', input: 'n2' },
        { id: 'out1', op: 'sink', input: 'n3' },
      ],
    },
  },
  {
    name: 'sliding windows with an offset start below zero; a late record re-fires its windows in the assigner\'s order',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 0], ['a', 2, 0, 7], ['a', 3, 0, 30], ['a', 4, 0, 6], ['a', 5, 0, 31]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'monotonous' },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', assigner: { kind: 'sliding', size: 15, slide: 5, offset: 2 }, allowedLateness: 30, fn: 'reduceProcess', reduceFn: 'sumNX' },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
  },
  {
    name: 'session windows merge when they touch; elements sorted, counts and sums merged',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 1], ['a', 2, 0, 14], ['a', 3, 0, 4], ['a', 4, 0, 9], ['b', 5, 0, 2], ['a', 6, 0, 30], ['b', 7, 0, 5]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'bounded', outOfOrderness: 20 },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', assigner: { kind: 'session', gap: 5 }, fn: 'process' },
        { id: 'n3', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n4', op: 'window', input: 'n3', assigner: { kind: 'session', gap: 5 }, trigger: { kind: 'count', count: 2 }, fn: 'aggregateKey' },
        { id: 'out0', op: 'sink', input: 'n2' },
        { id: 'out1', op: 'sink', input: 'n4' },
      ],
    },
  },
  {
    name: 'triggers and evictors at parallelism 2: count windows with a slide, purging count and continuous triggers (every subtask used to fail)',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 1], ['c', 2, 0, 2], ['a', 3, 0, 3], ['c', 4, 0, 4], ['a', 5, 0, 5], ['c', 6, 0, 6], ['a', 7, 0, 7], ['c', 8, 0, 8]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'monotonous' },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', assigner: { kind: 'count', size: 2, slide: 1 }, fn: 'process' },
        { id: 'n3', op: 'window', input: 'n1', assigner: { kind: 'tumbling', size: 4, offset: 0 }, trigger: { kind: 'purging', nested: { kind: 'count', count: 2 } }, fn: 'reduce', reduceFn: 'sumNX' },
        { id: 'n4', op: 'window', input: 'n1', assigner: { kind: 'tumbling', size: 4, offset: 0 }, trigger: { kind: 'continuousEventTime', interval: 2 }, fn: 'process' },
        { id: 'n5', op: 'window', input: 'n1', assigner: { kind: 'global' }, trigger: { kind: 'purging', nested: { kind: 'count', count: 3 } }, fn: 'aggregate' },
        { id: 'out0', op: 'sink', input: 'n2' },
        { id: 'out1', op: 'sink', input: 'n3' },
        { id: 'out2', op: 'sink', input: 'n4' },
        { id: 'out3', op: 'sink', input: 'n5' },
      ],
    },
  },
  {
    name: 'windowAll: sliding windows with a continuous purging trigger (windows that fire together compared per window), and the kernel\'s NumericAggregate',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['d', 3, 0, 2], ['c', 7, 0, 16], ['c', 0, 0, 17], ['b', 0, 0, 8], ['c', -4, 0, 24], ['d', 4, 0, 21], ['a', -2, 0, 51], ['c', -1, 0, 28]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'bounded', outOfOrderness: 5 },
        { id: 'n1', op: 'window', input: 'n0', assigner: { kind: 'sliding', size: 20, slide: 5, offset: 3 }, trigger: { kind: 'purging', nested: { kind: 'continuousEventTime', interval: 10 } }, fn: 'aggregateKey', numeric: true },
        { id: 'n2', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n3', op: 'window', input: 'n2', assigner: { kind: 'tumbling', size: 10, offset: 0 }, allowedLateness: 10, fn: 'aggregateKey', numeric: true },
        { id: 'out0', op: 'sink', input: 'n1', parallelism: 1 },
        { id: 'out1', op: 'sink', input: 'n3' },
      ],
    },
  },
  {
    name: 'windows in BATCH: every window fires at the end of input, and nothing is late',
    spec: {
      ...batch, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 1], ['b', 2, 0, 3], ['a', 3, 0, 12], ['a', 4, 0, 25], ['b', 6, 0, 40]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'monotonous' },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', assigner: { kind: 'tumbling', size: 10, offset: 0 }, lateData: true, fn: 'process' },
        { id: 'n3', op: 'sideOutput', input: 'n2', tag: 'late' },
        { id: 'n4', op: 'window', input: 'n1', assigner: { kind: 'count', size: 2 }, fn: 'reduce', reduceFn: 'sumNX' },
        { id: 'out0', op: 'sink', input: 'n2' },
        { id: 'out1', op: 'sink', input: 'n3' },
        { id: 'out2', op: 'sink', input: 'n4' },
      ],
    },
  },
  {
    name: 'the late-data side output of a window in the kernel (NumericAggregate, sliding), read downstream',
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: [['c', 0, 5.5, 17], ['d', -2, -7, 60], ['d', 9, -8.5, 4], ['b', 4, 0, 23], ['c', -1, 6.25, 37]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'bounded', outOfOrderness: 1 },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', assigner: { kind: 'sliding', size: 20, slide: 5, offset: 3 }, lateData: true, fn: 'aggregateKey', numeric: true },
        { id: 'n3', op: 'sideOutput', input: 'n2', tag: 'late' },
        { id: 'n4', op: 'keyBy', input: 'n3', field: 0 },
        { id: 'n5', op: 'process', input: 'n4', fn: 'names' },
        { id: 'out0', op: 'sink', input: 'n2' },
        { id: 'out1', op: 'sink', input: 'n5' },
      ],
    },
  },
  ...([
    ['session windows with a continuous trigger: late records merge into fired sessions within the lateness',
      { assigner: { kind: 'session', gap: 4 }, trigger: { kind: 'continuousEventTime', interval: 3 }, allowedLateness: 20 }, 3],
    ['tumbling windows with a purging continuous trigger: a late firing holds only what came since the purge',
      { assigner: { kind: 'tumbling', size: 10, offset: 0 }, trigger: { kind: 'purging', nested: { kind: 'continuousEventTime', interval: 3 } }, allowedLateness: 20 }, 3],
    ['sliding windows with a count trigger: late records count in the windows lateness keeps',
      { assigner: { kind: 'sliding', size: 10, slide: 5, offset: 0 }, trigger: { kind: 'count', count: 2 }, allowedLateness: 4 }, 0],
  ] as const).map(([name, w, bound]): Regression => ({
    name,
    spec: {
      ...streaming, nodes: [
        { id: 's0', op: 'source', records: LATE_RECORDS },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'bounded', outOfOrderness: bound },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', fn: 'process', lateData: true, ...w },
        { id: 'n3', op: 'sideOutput', input: 'n2', tag: 'late' },
        { id: 'out0', op: 'sink', input: 'n2' },
        { id: 'out1', op: 'sink', input: 'n3' },
      ],
    },
  })),
];
