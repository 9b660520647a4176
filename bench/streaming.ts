// Issue 17's STREAMING and batch-size goals: the keyed-sum kernel job over (int32 key, f64 value)
// columns in STREAMING against BATCH, and at the default batch size against 65,536, in paired
// rounds that alternate the variants in one process. Each figure is the median of CPU time
// (process.cpuUsage); each ratio is the median of the rounds' ratios. Every run's output is
// checked against a Map loop (BATCH: each key's sum; STREAMING: the number of rolling results and
// their total, which integer-valued doubles make exact).
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../src/index.ts';
import { workload } from './duckdb.ts';
import type { Workload } from './duckdb.ts';
import { median, settle } from './measure.ts';

type Mode = 'BATCH' | 'STREAMING';
// `countOnly`: the sink counts rows and reads no value, which separates the engine's cost of the
// rolling output from the consumer's own loop over it (a chain of dependent adds, ~1.7 ns a row).
interface Variant { readonly mode: Mode; readonly batchSize: number | null; readonly countOnly?: boolean }

const weight = (key: number): number => (key & 1023) + 1;

function expected(w: Workload): { keys: number; checksum: number; rolling: number } {
  const sums = new Map<number, number>();
  let rolling = 0;
  for (let i = 0; i < w.key.length; i++) {
    const s = (sums.get(w.key[i]) ?? 0) + w.value[i];
    sums.set(w.key[i], s);
    rolling += s;
  }
  let checksum = 0;
  for (const [k, s] of sums) checksum += s * weight(k);
  return { keys: sums.size, checksum, rolling };
}

async function job(w: Workload, { mode, batchSize, countOnly = false }: Variant): Promise<{ rows: number; checksum: number; rolling: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setRuntimeMode(mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  if (batchSize !== null) env.getConfig().setBatchSize(batchSize);
  let rows = 0;
  let checksum = 0;
  let rolling = 0;
  env.fromColumns({ key: w.key, value: w.value }).keyBy('key').sum('value').addSink({
    invoke: () => { throw new Error('bench: the keyed sum left the kernel path'); },
    // Each call adds into locals: a loop that adds into the closure's variables stores a fresh
    // heap number per row, which would be the sink's cost, not the job's.
    invokeColumns: (columns, length) => {
      const keys = columns.key as ArrayLike<number>;
      const sums = columns.value as ArrayLike<number>;
      let add = 0;
      if (countOnly) {
        rows += length;
        return;
      }
      if (mode === 'BATCH') {
        for (let r = 0; r < length; r++) add += sums[r] * weight(keys[r]);
        checksum += add;
      } else {
        for (let r = 0; r < length; r++) add += sums[r];
        rolling += add;
      }
      rows += length;
    },
  });
  await env.execute('keyed sum');
  return { rows, checksum, rolling };
}

async function cpuOf(w: Workload, v: Variant, want: ReturnType<typeof expected>): Promise<number> {
  // Off the clock, as bench/duckdb.ts's measureAsync: the last job's garbage collected, V8's
  // helper threads done with it, and the finalizers it queued run, so this job's fromColumns copy
  // is made in the memory of the last one's (src/connectors/copy_memory.ts) whichever variant came
  // before; the variants then differ only in what they are.
  await settle();
  const before = process.cpuUsage();
  const got = await job(w, v);
  const used = process.cpuUsage(before);
  const ok = v.mode === 'BATCH' ? got.rows === want.keys && got.checksum === want.checksum : got.rows === w.key.length && (v.countOnly === true || got.rolling === want.rolling);
  if (!ok) throw new Error(`bench ${w.name}: ${v.mode} (batch ${v.batchSize ?? 'default'}) gave ${got.rows} rows, checksum ${got.checksum}, rolling ${got.rolling}; the Map loop ${want.keys} keys, checksum ${want.checksum}, rolling ${want.rolling}`);
  return (used.user + used.system) / 1e6;
}

export async function runStreamingBench(opts: { events?: number; runs?: number; only?: string } = {}): Promise<void> {
  const events = opts.events ?? 10_000_000;
  const runs = opts.runs ?? 5;
  const defaultBatch = StreamExecutionEnvironment.getExecutionEnvironment().getConfig().getColumnBatchSize();
  const variants: Variant[] = [
    { mode: 'BATCH', batchSize: 65_536 }, { mode: 'STREAMING', batchSize: 65_536 },
    { mode: 'BATCH', batchSize: null }, { mode: 'STREAMING', batchSize: null },
    { mode: 'BATCH', batchSize: 1_024 }, { mode: 'STREAMING', batchSize: 1_024 },
    { mode: 'STREAMING', batchSize: null, countOnly: true },
  ];
  const label = (v: Variant): string => `${v.mode} ${v.batchSize === null ? `default (${defaultBatch.toLocaleString('en-US')})` : v.batchSize}${v.countOnly === true ? ', sink counts rows only' : ''}`;
  const cases: [string, number, number | null][] = [['100 keys', 100, null], ['100 k keys', 100_000, null], ['1 M keys', 1_000_000, null], ['1 M Zipf(1.1)', 1_000_000, 1.1]];
  console.log(`\nSTREAMING against BATCH, keyed sum in the kernel, ${events.toLocaleString('en-US')} events, ${runs} alternating rounds, CPU seconds (median) (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  for (const [name, cardinality, zipf] of cases) {
    if (opts.only !== undefined && !name.includes(opts.only)) continue;
    const w = workload(name, events, cardinality, zipf, 17);
    const want = expected(w);
    const samples = variants.map(() => [] as number[]);
    for (let round = 0; round < runs; round++) {
      // Alternate the order too, so neither variant always runs after the other.
      const order = round % 2 === 0 ? variants.map((_, i) => i) : variants.map((_, i) => variants.length - 1 - i);
      for (const i of order) samples[i].push(await cpuOf(w, variants[i], want));
    }
    const ratio = (a: number, b: number): number => median(samples[a].map((s, r) => s / samples[b][r]));
    console.log(`  ${name} (load ${loadavg()[0].toFixed(2)}): ${variants.map((v, i) => `${label(v)} ${median(samples[i]).toFixed(3)} s`).join('; ')}`);
    console.log(`    STREAMING/BATCH at 65,536 ${ratio(1, 0).toFixed(2)}, at default ${ratio(3, 2).toFixed(2)}, at 1,024 ${ratio(5, 4).toFixed(2)}; default/65,536 BATCH ${ratio(2, 0).toFixed(2)}, STREAMING ${ratio(3, 1).toFixed(2)}; 1,024/65,536 BATCH ${ratio(4, 0).toFixed(2)}, STREAMING ${ratio(5, 1).toFixed(2)}; STREAMING/BATCH at default with a sink that reads no value ${ratio(6, 2).toFixed(2)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): string | undefined => {
    const at = process.argv.indexOf(name);
    return at === -1 ? undefined : process.argv[at + 1];
  };
  const events = arg('--events');
  const runs = arg('--runs');
  await runStreamingBench({ events: events === undefined ? undefined : Number(events), runs: runs === undefined ? undefined : Number(runs), only: arg('--only') });
}
