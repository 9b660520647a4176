import type { Source } from '../core/source.ts';
import type { WatermarkStrategy } from '../core/watermarks.ts';
import type { EdgeSpec, JobConfig, JobGraph, NodeConfig, NodeSpec, OperatorKind } from './graph.ts';
import type { TypeSpec } from '../core/types.ts';

/** A key selector normalised to a function of the record. */
export type KeyFunction = (value: unknown) => unknown;

/** partitionCustom's pair: each record's key, and the user's choice of consumer subtask for it. */
export interface CustomPartitioning {
  readonly keyOf: KeyFunction;
  readonly partition: (key: unknown, numPartitions: number) => number;
}

/** The code that sits beside a node of the plain graph, looked up by node id. */
export interface NodeFunctions {
  /** The user's function object or plain function. */
  readonly fn?: unknown;
  /** Per input: how the keyed operator (and the partitioner feeding it) finds a record's key. */
  readonly keySelectors?: readonly (KeyFunction | null)[];
  /** Per input fed by partitionCustom: the user's partitioner and the key it partitions by. */
  readonly customPartitioners?: readonly (CustomPartitioning | null)[];
  readonly source?: Source<unknown>;
  readonly watermarkStrategy?: WatermarkStrategy<unknown>;
}

export interface Job {
  readonly graph: JobGraph;
  readonly functions: ReadonlyMap<number, NodeFunctions>;
}

export interface NewNode {
  readonly kind: OperatorKind;
  readonly name: string;
  readonly inputs: EdgeSpec[];
  readonly keyed?: boolean;
  readonly config?: NodeConfig;
  readonly parallelism?: number | null;
  readonly outputType?: TypeSpec | null;
  readonly functions?: NodeFunctions;
}

/** Collects nodes as the user builds a pipeline; one per environment and job. */
export class JobBuilder {
  private nodes: NodeSpec[] = [];
  private functions = new Map<number, NodeFunctions>();
  private nextId = 0;
  /** Bumped by every execute(): streams built for an earlier job cannot add to a later one. */
  generation = 0;

  add(spec: NewNode): NodeSpec {
    const node: NodeSpec = {
      id: this.nextId++,
      kind: spec.kind,
      name: spec.name,
      uid: null,
      parallelism: spec.parallelism ?? null,
      inputs: spec.inputs,
      keyed: spec.keyed ?? false,
      config: spec.config ?? { kind: 'none' },
      outputType: spec.outputType ?? null,
      maxParallelism: null,
      chaining: 'always',
    };
    this.nodes.push(node);
    if (spec.functions !== undefined) this.functions.set(node.id, spec.functions);
    return node;
  }

  hasNodes(): boolean {
    return this.nodes.length > 0;
  }

  hasSinks(): boolean {
    return this.nodes.some((n) => n.kind === 'sink');
  }

  /** Names of the sources that never end. */
  unboundedSources(): string[] {
    return this.nodes.filter((n) => n.config.kind === 'source' && !n.config.bounded).map((n) => n.name);
  }

  /** A copy of the graph built so far, which stays here for the next execute(). */
  peek(config: JobConfig): JobGraph {
    return { config, nodes: this.nodes.map((n) => ({ ...n, inputs: [...n.inputs] })) };
  }

  /** Hands the graph built so far to a job and starts a fresh one, as Flink's execute() does. */
  take(config: JobConfig): Job {
    const job: Job = { graph: this.peek(config), functions: this.functions };
    this.nodes = [];
    this.functions = new Map();
    this.generation++;
    this.nextId = 0;
    return job;
  }
}
