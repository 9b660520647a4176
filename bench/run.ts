// `npm run bench`: every benchmark, side by side against its plain-JS baseline, in one process.
import { runColumnarBench, runEngineBench } from './engine.ts';

const quick = process.argv.includes('--quick');
console.log(`Eddy benchmarks (node ${process.version}; medians; ratio = baseline time / Eddy time, >1 means Eddy is faster)`);
await runEngineBench(quick ? { events: 200_000, runs: 3 } : {});
await runColumnarBench(quick ? { events: 1_000_000, runs: 3 } : {});
try {
  const { runKernelBench } = await import('./kernels.ts');
  await runKernelBench(quick ? { events: 1_000_000, runs: 3 } : {});
} catch (error) {
  if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
}
const { runTransportBench } = await import('./transport.ts');
await runTransportBench(quick ? { events: 200_000, runs: 3 } : {});
