import { describe, expect, it } from 'vitest';
import { recordBatch } from '../../src/core/elements.ts';
import type { RecordBatch, StreamElement } from '../../src/core/elements.ts';
import { InputGate } from '../../src/runtime/input_gate.ts';
import type { StreamOperator } from '../../src/runtime/operator.ts';
import { SortedInputs } from '../../src/runtime/sorted_inputs.ts';

/** A gate whose inputs are sorted as `sorted` says, over a stand-in operator that logs what it is handed. */
function sortingGate(channelInputs: number[], sorted: boolean[], batchSize = 100): { gate: InputGate; seen: string[] } {
  const seen: string[] = [];
  const op = {
    ctx: { output: { flush: () => {}, control: (e: StreamElement) => seen.push(`out:${e.kind}`) } },
    processBatch: (input: number, batch: RecordBatch) => seen.push(`${input}:${batch.values.join(',')}`),
    processWatermark: (t: number) => seen.push(`wm:${t}`),
    endInput: (input: number) => seen.push(`endInput:${input}`),
    finish: () => seen.push('finish'),
    whenDrained: (done: () => void) => done(),
    failure: (e: unknown) => e,
  } as unknown as StreamOperator;
  const gate = new InputGate(op, channelInputs);
  gate.sortInputs(new SortedInputs(sorted, batchSize));
  return { gate, seen };
}

const stamped = (values: string[], timestamps: number[]): StreamElement => ({ kind: 'batch', batch: recordBatch(values, timestamps) });

function drain(gate: InputGate): void {
  while (gate.processNext() > 0);
}

describe('InputGate with sorted inputs (BATCH)', () => {
  it('holds keyed records, their watermark and their end until every input ended, then gives them in time order, a batch per step', () => {
    const { gate, seen } = sortingGate([0, 0], [true], 2);
    gate.enqueue(0, stamped(['c', 'a'], [3, 1]));
    gate.enqueue(1, stamped(['b'], [2]));
    gate.enqueue(0, { kind: 'watermark', timestamp: Number.POSITIVE_INFINITY });
    gate.enqueue(0, { kind: 'end' });
    gate.enqueue(1, { kind: 'watermark', timestamp: Number.POSITIVE_INFINITY });
    drain(gate);
    expect(seen).toEqual([]);
    gate.enqueue(1, { kind: 'end' });
    expect(gate.processNext()).toBe(1); // the end: the release starts
    expect(gate.ready).toBe(1);
    expect(gate.processNext()).toBe(2);
    expect(seen).toEqual(['0:a,b']);
    drain(gate);
    expect(seen).toEqual(['0:a,b', '0:c', 'wm:Infinity', 'endInput:0', 'finish', 'out:end']);
    expect(gate.finished).toBe(true);
    expect(gate.queued).toBe(0);
  });

  it('lets an unsorted input (a broadcast side) through at once, and ends it when it ends', () => {
    const { gate, seen } = sortingGate([0, 1], [true, false]);
    gate.enqueue(0, stamped(['k2', 'k1'], [2, 1]));
    gate.enqueue(1, stamped(['rule'], [9]));
    gate.enqueue(1, { kind: 'end' });
    gate.enqueue(0, { kind: 'end' });
    drain(gate);
    expect(seen).toEqual(['1:rule', 'endInput:1', '0:k1,k2', 'endInput:0', 'finish', 'out:end']);
  });

  it('refuses a checkpoint barrier while keyed records are held, saying why and what to do', () => {
    const { gate } = sortingGate([0], [true]);
    gate.enqueue(0, stamped(['a'], [1]));
    gate.enqueue(0, { kind: 'barrier', checkpointId: 4 });
    expect(() => drain(gate)).toThrow('checkpoint 4 cannot include it: in BATCH mode its keyed input is sorted, and the records wait in memory until the input ends (Flink takes no checkpoints of sorted inputs either). Fix: run the job in STREAMING mode to take checkpoints or savepoints of it');
  });
});
