// Who may write into a batch: the kernel operator writes its rolling results over the value
// column of a batch it owns (a partitioner's part, a batch decoded from another worker), and
// into a new array for any other batch, whose columns a user may still hold.
import { describe, expect, it } from 'vitest';
import { kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';
import type { KernelPlan } from '../../src/plan/kernel_routing.ts';
import { columnBatch, markExclusive } from '../../src/core/elements.ts';
import type { ColumnBatch } from '../../src/core/elements.ts';
import type { OperatorContext } from '../../src/runtime/operator.ts';
import { KernelAggregateOperator } from '../../src/runtime/operators/kernel_aggregate.ts';
import { OperatorOutput } from '../../src/runtime/output.ts';
import { HeapOperatorStateStore } from '../../src/state/operator_state_store.ts';
import type { Target } from '../../src/runtime/output.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));

async function keyedSum(): Promise<{ operator: KernelAggregateOperator; emitted: ColumnBatch[] }> {
  const emitted: ColumnBatch[] = [];
  const sink: Target = {
    push: (e) => {
      if (e.kind === 'batch') throw new Error('expected columns');
      if (e.kind === 'columns') emitted.push(e.batch);
    },
  };
  const plan: KernelPlan = { aggregation: 'sum', record: 'columns', keyField: 'key', valueField: 'value', integerKeys: true, columns: ['key', 'value'] };
  // Only what the operator reads: its config, output, key-group range and kernels.
  const ctx = {
    config: { runtimeMode: 'STREAMING' },
    output: new OperatorOutput([sink], new Map(), null, 1024),
    maxParallelism: 128,
    kernels: () => Promise.resolve(kernels),
  } as unknown as OperatorContext;
  const operator = new KernelAggregateOperator(ctx, plan);
  await operator.initializeState({
    isRestored: () => false, restoredCheckpointId: null, keyGroups: { start: 0, end: 127 }, keyedStateBackend: null, timeServiceManager: null,
    operatorStateStore: new HeapOperatorStateStore('test'), restoredParts: [],
  });
  await operator.open();
  return { operator, emitted };
}

describe('KernelAggregateOperator, rolling sum over column batches', () => {
  it('writes the results over the value column of a batch it owns', async () => {
    const { operator, emitted } = await keyedSum();
    const keys = new Int32Array([7, 8, 7, 7]);
    const values = new Float64Array([1, 10, 2, 3]);
    operator.processColumns(0, markExclusive(columnBatch({ key: keys, value: values }, 4)));
    expect(emitted).toHaveLength(1);
    expect(emitted[0].columns.value).toBe(values);
    expect(Array.from(values)).toEqual([1, 10, 3, 6]);
    expect(emitted[0].columns.key).toBe(keys);
  });

  it('leaves the columns of a batch it does not own as they were', async () => {
    const { operator, emitted } = await keyedSum();
    const values = new Float64Array([1, 10, 2, 3]);
    operator.processColumns(0, columnBatch({ key: new Int32Array([7, 8, 7, 7]), value: values }, 4));
    expect(emitted[0].columns.value).not.toBe(values);
    expect(Array.from(emitted[0].columns.value as Float64Array)).toEqual([1, 10, 3, 6]);
    expect(Array.from(values)).toEqual([1, 10, 2, 3]);
  });
});
