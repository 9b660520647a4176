// Runs examples/word_count_job.ts in two workers (worker_threads here, module Web Workers in a
// browser): keyed subtasks are spread over the workers and shuffle records between them directly.
import { executeInWorkers } from '../src/index.ts';
import { isMain } from './is_main.ts';

export async function wordCountInWorkers(workers = 2): Promise<Map<string, number>> {
  const { records, result } = await executeInWorkers<[string, number]>(new URL('./word_count_job.ts', import.meta.url), { workers });
  const reduce = result.operators.find((o) => o.name === 'Keyed Reduce')!;
  console.log(`${reduce.recordsIn} words reduced by ${reduce.parallelism} subtasks in ${workers} workers, ${result.getNetRuntime().toFixed(0)} ms`);
  return new Map(records); // the last rolling count of each word is its total
}

if (isMain(import.meta.url)) {
  const counts = await wordCountInWorkers();
  console.log([...counts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([w, c]) => `${w}: ${c}`).join(', '));
}
