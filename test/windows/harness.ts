/**
 * A test harness for one window operator subtask, as Flink's OneInputStreamOperatorTestHarness:
 * elements with timestamps, watermarks and processing time go in by hand, and the output (records
 * with their timestamps, watermarks) is read back; snapshot and restore between steps.
 */
import { StreamExecutionEnvironment } from '../../src/index.ts';
import type { KeyedStream } from '../../src/index.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { namedRows } from '../../src/core/elements.ts';
import type { StreamElement } from '../../src/core/elements.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import type { Job } from '../../src/plan/job.ts';
import { createOperator, loadAllOperators } from '../../src/runtime/operators/index.ts';
import { OperatorOutput } from '../../src/runtime/output.ts';
import type { StreamOperator } from '../../src/runtime/operator.ts';
import { SubtaskState } from '../../src/runtime/subtask_state.ts';
import { HashMapStateBackend } from '../../src/state/state_backend.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';
import { loadKernelsFromFile, kernelUrl } from '../../src/kernels/index.ts';
import { jobOf } from '../support/jobs.ts';

// Operators are made here without a job, so the ones loaded on demand are loaded first.
await loadAllOperators();

/** Builds the window on a keyed stream of the harness's records; the returned stream is the window's result. */
export type WindowBuild<T> = (keyed: KeyedStream<T, unknown>, env: StreamExecutionEnvironment) => { addSink(sink: never): unknown };

export class WindowHarness<T> {
  /** Output as text: `value@timestamp` for records (side outputs `side:tag value@timestamp`), `WM t` for watermarks. */
  readonly output: string[] = [];
  time = 0;
  private op!: StreamOperator;
  private state!: SubtaskState;
  private keyOf!: (value: unknown) => unknown;
  private maxParallelism = 128;

  private readonly build: WindowBuild<T>;
  private readonly key: (value: T) => unknown;
  private readonly kernels: boolean;

  private constructor(build: WindowBuild<T>, key: (value: T) => unknown, kernels: boolean) {
    this.build = build;
    this.key = key;
    this.kernels = kernels;
  }

  static async open<T>(build: WindowBuild<T>, key: (value: T) => unknown, options: { restore?: JobSnapshot; kernels?: boolean; time?: number } = {}): Promise<WindowHarness<T>> {
    const h = new WindowHarness<T>(build, key, options.kernels ?? false);
    h.time = options.time ?? 0;
    await h.start(options.restore ?? null);
    return h;
  }

  private async start(restore: JobSnapshot | null): Promise<void> {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setMaxParallelism(this.maxParallelism);
    env.getConfig().setKernelsEnabled(this.kernels);
    let sideTags: string[] = [];
    const job: Job = jobOf(env, (e) => {
      const result = this.build(e.fromCollection<T>([]).keyBy(this.key), e);
      result.addSink((() => {}) as never);
    });
    const plan = buildPhysicalPlan(job.graph);
    const node = plan.nodes.find((n) => n.spec.kind === 'window')!;
    sideTags = node.spec.config.kind === 'window' && node.spec.config.window.lateDataTag !== null ? [node.spec.config.window.lateDataTag] : [];
    const fns = job.functions.get(node.spec.id)!;
    this.keyOf = fns.keySelectors![0]!;
    const record = (prefix: string) => ({
      push: (e: StreamElement) => {
        if (e.kind === 'batch') e.batch.values.forEach((v, i) => this.output.push(`${prefix}${show(v)}@${e.batch.timestamps?.[i] ?? 'none'}`));
        else if (e.kind === 'columns') namedRows(e.batch).forEach((v, i) => this.output.push(`${prefix}${show(v)}@${e.batch.timestamps?.[i] ?? 'none'}`));
        else if (e.kind === 'watermark' && prefix === '') this.output.push(`WM ${e.timestamp}`);
      },
    });
    const out = new OperatorOutput([record('')], new Map(sideTags.map((t) => [t, [record(`side:${t} `)]])), null, 1024);
    const identity = { where: node.spec.name, uid: node.uid, subtaskIndex: 0, parallelism: 1, maxParallelism: this.maxParallelism };
    const clock = () => this.time;
    this.state = new SubtaskState(identity, true, new HashMapStateBackend(), clock, restore);
    const kernels = () => loadKernelsFromFile(kernelUrl('debug'));
    this.op = createOperator({
      node: node.spec, uid: node.uid, subtaskIndex: 0, parallelism: 1, maxParallelism: this.maxParallelism,
      config: plan.config, functions: fns, output: out, clock, kernels,
    }, null, plan.nodes.find((n) => n.spec.kind === 'window')!.windowKernel);
    await this.op.initializeState(this.state.initializationContext());
    await this.op.open();
  }

  processElement(value: T, timestamp: number | null): void {
    const key = this.keyOf(value);
    this.op.processBatch(0, { values: [value], timestamps: [timestamp ?? Number.NaN], keys: [key], keyGroups: [keyGroupFor(key, this.maxParallelism)] });
    this.op.ctx.output.flush();
  }

  /** Elements in one batch, as a source's batch reaches the window. */
  processElements(values: readonly T[], timestamps: readonly (number | null)[]): void {
    const keys = values.map((v) => this.keyOf(v));
    this.op.processBatch(0, { values: [...values], timestamps: timestamps.map((t) => t ?? Number.NaN), keys, keyGroups: keys.map((k) => keyGroupFor(k, this.maxParallelism)) });
    this.op.ctx.output.flush();
  }

  processWatermark(timestamp: number): void {
    this.op.processWatermark(timestamp);
  }

  setProcessingTime(time: number): void {
    this.time = time;
    if (this.op.nextProcessingTime() <= time) this.op.onProcessingTime(time);
  }

  snapshot(): JobSnapshot {
    return { checkpointId: 1, subtasks: [this.state.snapshot(this.op, 1)] };
  }

  /** Closes this subtask and opens a new one from `snapshot` (the output so far is kept). */
  async restore(snapshot: JobSnapshot): Promise<void> {
    await this.op.close();
    await this.start(snapshot);
  }

  get operator(): StreamOperator {
    return this.op;
  }

  /** The output so far, each run of records between watermarks sorted (Flink orders records of one time only within a key). */
  sorted(): string[] {
    const out: string[] = [];
    let run: string[] = [];
    for (const line of this.output) {
      if (line.startsWith('WM ')) {
        out.push(...run.sort(), line);
        run = [];
      } else {
        run.push(line);
      }
    }
    return [...out, ...run.sort()];
  }
}

export function show(value: unknown): string {
  return Array.isArray(value) ? `(${value.map(show).join(',')})` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
