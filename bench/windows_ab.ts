// Paired A/B of the window kernel path (with --js, the JS window operator) between two trees: bench/windows.ts's job (10 M events,
// 100 k keys, count + sum + max, 1-minute tumbling and 5-minute/1-minute sliding) built from each
// tree's own src/index.ts in one process, in alternating rounds, each run on a settled heap
// (bench/measure.ts's settle).
// CPU time (process.cpuUsage) from the job's definition to its end; medians and the median of
// each round's ratio.
//   node --expose-gc --import tsx bench/windows_ab.ts <base tree> [--current <tree>] [--runs N] [--events N] [--only tumbling|sliding] [--js]
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, settle } from './measure.ts';
import { SLIDING, TUMBLING, workload } from './windows.ts';

type Eddy = typeof import('../src/index.ts');
type Row = Record<string, number>;

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

const base = process.argv[2];
if (base === undefined || base.startsWith('--')) throw new Error('usage: bench/windows_ab.ts <base tree> [--current <tree>] [--runs N] [--events N] [--only tumbling|sliding] [--js]');
const current = arg('--current') ?? '.';
const runs = Number(arg('--runs') ?? 7);
const events = Number(arg('--events') ?? 10_000_000);
const only = arg('--only');
const kernels = !process.argv.includes('--js');
const load = (tree: string): Promise<Eddy> => import(pathToFileURL(resolve(tree, 'src/index.ts')).href) as Promise<Eddy>;
const sides = [{ name: 'base', eddy: await load(base) }, { name: 'current', eddy: await load(current) }];
const w = workload(events, 100_000);

async function run(e: Eddy, size: number, slide: number): Promise<{ seconds: number; check: number }> {
  const columns = { key: w.key.slice(), value: w.value.slice(), time: w.time.slice() };
  await settle();
  const t0 = process.cpuUsage();
  const env = e.StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setKernelsEnabled(kernels).setBatchSize(65_536);
  let check = 0;
  const assigner = size === slide ? e.TumblingEventTimeWindows.of<Row>(size) : e.SlidingEventTimeWindows.of<Row>(size, slide);
  env.fromColumns(columns, { transfer: true })
    .assignTimestampsAndWatermarks(e.WatermarkStrategy.forBoundedOutOfOrderness<Row>(500).withTimestampAssigner('time'))
    .keyBy('key').window(assigner)
    .aggregate(e.NumericAggregate.of<Row>('value', 'count', 'sum', 'max'), new e.KeyAndWindow())
    .addSink({
      invoke: (r) => { check += r.count! + r.sum!; },
      invokeColumns: (cols, length) => {
        const count = cols.count as Float64Array;
        const sum = cols.sum as Float64Array;
        let c = 0;
        for (let i = 0; i < length; i++) c += count[i] + sum[i];
        check += c;
      },
    });
  await env.execute('windows');
  const d = process.cpuUsage(t0);
  return { seconds: (d.user + d.system) / 1e6, check };
}

console.log(`windows A/B (${kernels ? 'kernel' : 'JS'} path): base ${base}, current ${current}, ${events.toLocaleString('en-US')} events, ${runs} rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const windowing of [TUMBLING, SLIDING]) {
  if (only !== undefined && !windowing.name.includes(only)) continue;
  const seconds: number[][] = [[], []];
  let check: number | null = null;
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const s of order) {
      await settle();
      const result = await run(sides[s].eddy, windowing.size, windowing.slide);
      if (check === null) check = result.check;
      else if (Math.abs(result.check - check) > 1e-9 * Math.abs(check)) throw new Error(`${sides[s].name} gave check ${result.check}, another run ${check}`);
      seconds[s].push(result.seconds);
    }
  }
  const [b, c] = seconds.map((s) => median(s));
  const ratio = median(seconds[0].map((x, i) => x / seconds[1][i]));
  const rate = (s: number) => `${(events / s / 1e6).toFixed(2)} M events/s`;
  console.log(`  ${windowing.name}: base ${b.toFixed(3)} s (${rate(b)}), current ${c.toFixed(3)} s (${rate(c)}); base / current ${ratio.toFixed(2)}x paired (rounds ${seconds[0].map((x, i) => (x / seconds[1][i]).toFixed(2)).join(' ')})`);
}
console.log(`  load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
