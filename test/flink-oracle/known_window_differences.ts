/**
 * Known differences of windows (see known_differences.ts for what an entry is). Deliberate: each
 * has a line in the README's "Where Eddy differs from Flink" and a test in test/windows/.
 */
import type { KnownDifference } from './known_differences.ts';
import type { Spec } from './spec.ts';

const eventTimeOnGlobal = (spec: Spec): boolean => spec.nodes.some((n) => n.op === 'window' && n.assigner.kind === 'global'
  && (n.trigger?.kind === 'eventTime' || (n.trigger?.kind === 'purging' && n.trigger.nested.kind === 'eventTime')));

export const WINDOW_DIFFERENCES: KnownDifference[] = [
  {
    id: 'global-window-event-time-trigger',
    title: 'EventTimeTrigger on GlobalWindows fires the window at the end of input instead of failing',
    flink: 'EventTimeTrigger is a Trigger<Object, TimeWindow>: Java refuses window(GlobalWindows.create()).trigger(EventTimeTrigger.create()) when compiling, and with raw types the job fails (ClassCastException: GlobalWindow cannot be cast to TimeWindow)',
    eddy: 'EventTimeTrigger takes any window: a GlobalWindow\'s end is +Infinity, so it fires once, when the final watermark arrives (as GlobalWindows.createWithEndOfStreamTrigger())',
    parallelism: 1,
    repro: {
      version: 1, mode: 'STREAMING', watermarkEmission: 'endOnly', declareTypes: false, nodes: [
        { id: 's0', op: 'source', records: [['a', 1, 0, 1], ['a', 2, 0, 2]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'monotonous' },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'window', input: 'n1', assigner: { kind: 'global' }, trigger: { kind: 'eventTime' }, fn: 'reduce', reduceFn: 'maxAll' },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
    affects: eventTimeOnGlobal,
  },
];
