// Every conformance suite's worker-capable cases, by suite name: test/jobs/conformance_cases_job.ts
// builds them in workers, and the worker tests (Node and Chromium) run each one.
//
// What stays in the test thread only, and why:
// - basic_operations "test_add_sink": its subject is a user SinkFunction, writing into the test's array.
// - basic_operations "function objects: open() ... close()": it logs the calls of every subtask into
//   one array of the test thread, to check how they interleave.
// - basic_operations "test_data_stream_name / test_set_parallelism", "test_force_non_parallel": they
//   check the builder's getters and the result's operator metrics, not records.
// - connect_union "executeAndCollect(name, limit)": its subject is the limit; a job module's stream
//   is collected whole.
// - enrichment (both tests) and timers_side_outputs "a two-input operator's watermark is the
//   minimum of its inputs": a Turnstile in the test thread paces the sources by the operator's
//   progress; sources and operator in different workers cannot share one.
// - timers_side_outputs "periodic watermarks: the first one comes one interval after the start":
//   it injects a clock function into the executor; a job module gets plain parameters only.
// - errors: the throwing sink (a user sink), the keyBy/sum refusals and "a keyed stream connected
//   to an unkeyed one" (thrown while the graph is built, before any job), and "a job that already
//   executed" (reuses an environment after execute()).
// - key_groups: murmurHash, hashCode, key groups and BoundedOutOfOrdernessWatermarks are unit
//   tests of functions; no job runs.
// Partly: "timers fire in timestamp order" and "onTimer can write to a side output" run in workers
// for their records; the records' timestamps are read by a sink in the test thread only. Failures
// are compared by message: the cause and operator fields are checked in the test thread only.
import { suite as basic_operations } from './basic_operations.ts';
import { suite as batch_sort } from './batch_sort.ts';
import { suite as connect_union } from './connect_union.ts';
import { suite as errors } from './errors.ts';
import { suite as key_groups } from './key_groups.ts';
import { suite as keyed_aggregations } from './keyed_aggregations.ts';
import { suite as sources } from './sources.ts';
import { suite as state } from './state.ts';
import { suite as timers_side_outputs } from './timers_side_outputs.ts';
import type { Suite } from '../support.ts';

export const suites: Readonly<Record<string, Suite>> = {
  basic_operations, batch_sort, connect_union, errors, key_groups, keyed_aggregations, sources, state, timers_side_outputs,
};
