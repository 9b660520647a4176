import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordBatch } from '../../src/core/elements.ts';
import type { RecordBatch, StreamElement } from '../../src/core/elements.ts';
import { InputGate } from '../../src/runtime/input_gate.ts';
import type { StreamOperator } from '../../src/runtime/operator.ts';

/** A stand-in operator that records what the gate hands it, as `input:value` and `wm:t`. */
function recordingGate(channelInputs: number[]): { gate: InputGate; seen: string[] } {
  const seen: string[] = [];
  const op = {
    ctx: { output: { flush: () => {}, control: (e: StreamElement) => seen.push(`out:${e.kind}`) } },
    processBatch: (input: number, batch: RecordBatch) => { for (const v of batch.values) seen.push(`${input}:${String(v)}`); },
    processWatermark: (t: number) => seen.push(`wm:${t}`),
    endInput: (input: number) => seen.push(`endInput:${input}`),
    finish: () => seen.push('finish'),
    whenDrained: (done: () => void) => done(),
    failure: (e: unknown) => e,
  } as unknown as StreamOperator;
  return { gate: new InputGate(op, channelInputs), seen };
}

const batch = (...values: string[]): StreamElement => ({ kind: 'batch', batch: recordBatch(values) });

function drain(gate: InputGate): number {
  let steps = 0;
  while (gate.processNext() > 0) steps++;
  return steps;
}

describe('InputGate: blocking a channel', () => {
  it('holds a blocked channel while the others flow, and releases its elements in arrival order', () => {
    const { gate, seen } = recordingGate([0, 0, 1]);
    gate.enqueue(0, batch('a1'));
    gate.enqueue(1, batch('b1'));
    gate.enqueue(0, batch('a2'));
    gate.enqueue(2, batch('c1'));
    gate.enqueue(1, batch('b2'));
    gate.block(0);
    expect(drain(gate)).toBe(3);
    expect(seen).toEqual(['0:b1', '1:c1', '0:b2']);
    // Held, not lost: counted as queued, but not as ready (they hold back no sender).
    expect(gate.queued).toBe(2);
    expect(gate.ready).toBe(0);
    gate.enqueue(0, batch('a3'));
    gate.enqueue(1, batch('b3'));
    expect(drain(gate)).toBe(1);
    expect(seen.at(-1)).toBe('0:b3');
    expect(gate.isBlocked(0)).toBe(true);
    gate.enqueue(2, batch('c2'));
    gate.unblockAll();
    expect(gate.isBlocked(0)).toBe(false);
    expect(gate.ready).toBe(4);
    expect(drain(gate)).toBe(4);
    expect(seen.slice(4)).toEqual(['0:a1', '0:a2', '0:a3', '1:c2']);
    expect(gate.queued).toBe(0);
    expect(gate.maxQueued).toBe(5);
  });

  it('holds watermarks and ends of a blocked channel too, so the combined watermark waits for them', () => {
    const { gate, seen } = recordingGate([0, 0]);
    gate.block(1);
    gate.enqueue(1, { kind: 'watermark', timestamp: 10 });
    gate.enqueue(0, { kind: 'watermark', timestamp: 20 });
    gate.enqueue(1, { kind: 'end' });
    gate.enqueue(0, { kind: 'end' });
    drain(gate);
    expect(seen).toEqual([]); // channel 1 is still at the minimum watermark and open
    gate.unblockAll();
    drain(gate);
    // Channel 1 ended at 10 (a source sends the maximal watermark before its end): the combined one stays there.
    expect(seen).toEqual(['wm:10', 'endInput:0', 'finish', 'out:end']);
    expect(gate.finished).toBe(true);
  });

  it('blocks several channels and releases them together, interleaved as they arrived', () => {
    const { gate, seen } = recordingGate([0, 0, 0]);
    gate.block(0);
    gate.block(2);
    for (const [c, v] of [[0, 'a1'], [2, 'c1'], [1, 'b1'], [0, 'a2'], [2, 'c2']] as const) gate.enqueue(c, batch(v));
    drain(gate);
    expect(seen).toEqual(['0:b1']);
    gate.unblockAll();
    drain(gate);
    expect(seen).toEqual(['0:b1', '0:a1', '0:c1', '0:a2', '0:c2']);
  });
});

describe('InputGate: the combined watermark', () => {
  it('is the minimum over the channels after every watermark, as a full scan would give (random orders)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: -5, max: 40 })), { maxLength: 80 }),
      (channels, advances) => {
        const { gate, seen } = recordingGate(Array.from({ length: channels }, () => 0));
        const marks = Array.from({ length: channels }, () => Number.NEGATIVE_INFINITY);
        const expected: string[] = [];
        let combined = Number.NEGATIVE_INFINITY;
        for (const [c, t] of advances) {
          const channel = c % channels;
          gate.push(channel, { kind: 'watermark', timestamp: t });
          marks[channel] = Math.max(marks[channel], t);
          const min = Math.min(...marks);
          if (min > combined) {
            combined = min;
            expected.push(`wm:${min}`);
          }
        }
        expect(seen).toEqual(expected);
      },
    ), { seed: 20261206, numRuns: 300 });
  });
});
