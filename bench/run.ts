// `npm run bench`: every benchmark, side by side against its plain-JS baseline, in one process.
import { runCheckpointBench } from './checkpoints.ts';
import { runDuckDbBench } from './duckdb.ts';
import { runColumnarBench, runEngineBench } from './engine.ts';
import { runKernelBench } from './kernels.ts';
import { runLongTaskBench } from './longtasks.ts';
import { runTransportBench } from './transport.ts';
import { runWindowBench } from './windows.ts';
import { runWorkersBench } from './workers.ts';

const quick = process.argv.includes('--quick');
console.log(`Eddy benchmarks (node ${process.version}; medians; ratio = baseline time / Eddy time, >1 means Eddy is faster)`);
await runEngineBench(quick ? { events: 200_000, runs: 3 } : {});
await runColumnarBench(quick ? { events: 1_000_000, runs: 3 } : {});
await runKernelBench(quick ? { events: 1_000_000, runs: 3 } : {});
await runDuckDbBench(quick ? { events: 1_000_000, runs: 3 } : {});
await runWindowBench(quick ? { events: 1_000_000, runs: 3, jsEvents: 200_000 } : {});
await runTransportBench(quick ? { events: 200_000, runs: 3 } : {});
await runWorkersBench(quick ? { runs: 1 } : {});
await runLongTaskBench(quick ? { purchases: 200_000, runs: 1 } : {});
await runCheckpointBench(quick ? { events: 1_000_000, runs: 2, stateKeys: 200_000 } : {});
// Blocks of jobs beside a 200 MB heap need a process of their own: run them apart.
console.log('\na kernel job beside a large JS heap, with the thread\'s kernel pool against fresh kernel memory (CPU a job, full collections): node --expose-gc --import tsx bench/kernel_heap.ts');
// Checkpoints to IndexedDB in Chromium take a couple of minutes of their own: run them apart.
console.log('\ncheckpoints to IndexedDB in Chromium (1 M keys of kernel state; the keyed-sum and enrichment jobs with a checkpoint every second): node --import tsx bench/browser_checkpoints.ts');
