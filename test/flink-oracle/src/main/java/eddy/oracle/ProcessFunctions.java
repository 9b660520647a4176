package eddy.oracle;

import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.co.RichCoFlatMapFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The process-function library of the spec vocabulary; twins in test/flink-oracle/functions.ts.
 * Outputs never contain wall-clock values, so processing-time functions stay deterministic.
 */
final class ProcessFunctions {
    private ProcessFunctions() {}

    static final OutputTag<Tuple4<String, Integer, Double, Long>> ODD = new OutputTag<>("odd", Rec.TYPE);

    /** Processing-time timers are set this far ahead, so a STREAMING job always ends first. */
    static final long PROCESSING_DELAY = 3_600_000L;

    static KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> keyed(String name, long delay, long step) {
        switch (name) {
            case "count": return new Count(delay);
            case "rearm": return new Rearm(delay, step);
            case "procTimer": return new ProcTimer();
            case "buffer": return new Buffer();
            case "distinct": return new Distinct();
            case "names": return new Names();
            case "split": return new KeyedSplit();
            case "wmProbe": return new KeyedWmProbe();
            default: throw new IllegalArgumentException("unknown keyed process function " + name);
        }
    }

    static ProcessFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> plain(String name) {
        switch (name) {
            case "split": return new Split();
            case "wmProbe": return new WmProbe();
            default: throw new IllegalArgumentException("unknown process function " + name);
        }
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }

    /** Counts per key; every element registers an event-time timer at t + delay. */
    static final class Count extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        private final long delay;
        private transient ValueState<Integer> count;

        Count(long delay) { this.delay = delay; }

        @Override
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.INT));
        }

        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            int c = orZero(count.value()) + 1;
            count.update(c);
            out.collect(Rec.of(Functions.keyString(ctx.getCurrentKey()), c, r.f2, r.f3));
            ctx.timerService().registerEventTimeTimer(r.f3 + delay);
        }

        @Override
        public void onTimer(long ts, OnTimerContext ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            out.collect(Rec.of(Functions.keyString(ctx.getCurrentKey()), orZero(count.value()), (double) ts, ctx.timerService().currentWatermark()));
        }
    }

    /** One event-time timer per key at the first t + delay, re-registered at ts + step from onTimer, three firings at most. */
    static final class Rearm extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        private final long delay;
        private final long step;
        private transient ValueState<Integer> count;
        private transient ValueState<Integer> fires;

        Rearm(long delay, long step) { this.delay = delay; this.step = step; }

        @Override
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.INT));
            fires = getRuntimeContext().getState(new ValueStateDescriptor<>("fires", Types.INT));
        }

        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            int c = orZero(count.value()) + 1;
            count.update(c);
            if (c == 1) ctx.timerService().registerEventTimeTimer(r.f3 + delay);
            out.collect(Rec.of(Functions.keyString(ctx.getCurrentKey()), c, r.f2, r.f3));
        }

        @Override
        public void onTimer(long ts, OnTimerContext ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            int f = orZero(fires.value()) + 1;
            fires.update(f);
            out.collect(Rec.of(Functions.keyString(ctx.getCurrentKey()), orZero(count.value()), (double) ts, ctx.timerService().currentWatermark()));
            if (f < 3) ctx.timerService().registerEventTimeTimer(ts + step);
        }
    }

    /**
     * One processing-time timer per key, an hour ahead, re-registered from onTimer. Its output
     * says only whether ctx.timestamp() and the timer argument equal the registered time, and
     * which domain fired: no clock value leaves the function.
     */
    static final class ProcTimer extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        private transient ValueState<Integer> count;
        private transient ValueState<Long> registered;

        @Override
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.INT));
            registered = getRuntimeContext().getState(new ValueStateDescriptor<>("registered", Types.LONG));
        }

        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            int c = orZero(count.value()) + 1;
            count.update(c);
            if (registered.value() == null) {
                long at = ctx.timerService().currentProcessingTime() + PROCESSING_DELAY;
                ctx.timerService().registerProcessingTimeTimer(at);
                registered.update(at);
            }
            out.collect(Rec.of(Functions.keyString(ctx.getCurrentKey()), c, r.f2, r.f3));
        }

        @Override
        public void onTimer(long ts, OnTimerContext ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            Long at = registered.value();
            Long stamp = ctx.timestamp();
            double code = (stamp == null ? 4 : stamp.equals(at) ? 1 : 0) + (at != null && ts == at ? 2 : 0);
            long domain = ctx.timeDomain() == TimeDomain.PROCESSING_TIME ? 1 : 0;
            out.collect(Rec.of(Functions.keyString(ctx.getCurrentKey()), orZero(count.value()), code, domain));
            long next = ts + PROCESSING_DELAY;
            registered.update(next);
            ctx.timerService().registerProcessingTimeTimer(next);
        }
    }

    /** Buffers records in ListState and emits those with t <= the timer, in arrival order, at an event-time timer per t. */
    static final class Buffer extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        private transient ListState<Tuple4<String, Integer, Double, Long>> buffer;

        @Override
        public void open(OpenContext ctx) {
            buffer = getRuntimeContext().getListState(new ListStateDescriptor<>("buffer", Rec.TYPE));
        }

        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            buffer.add(r);
            ctx.timerService().registerEventTimeTimer(r.f3);
        }

        @Override
        public void onTimer(long ts, OnTimerContext ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            List<Tuple4<String, Integer, Double, Long>> rest = new ArrayList<>();
            Iterable<Tuple4<String, Integer, Double, Long>> all = buffer.get();
            if (all != null) {
                for (Tuple4<String, Integer, Double, Long> r : all) {
                    if (r.f3 <= ts) out.collect(r); else rest.add(r);
                }
            }
            buffer.update(rest);
        }
    }

    /** Passes a record on when its n is new for the key (MapState). */
    static final class Distinct extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        private transient MapState<Integer, Boolean> seen;

        @Override
        public void open(OpenContext ctx) {
            seen = getRuntimeContext().getMapState(new MapStateDescriptor<>("seen", Types.INT, Types.BOOLEAN));
        }

        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            if (!seen.contains(r.f1)) {
                seen.put(r.f1, true);
                out.collect(r);
            }
        }
    }

    /** Adds s to a ListState, null included: Flink refuses null there, and the job fails. */
    static final class Names extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        private transient ListState<String> names;

        @Override
        public void open(OpenContext ctx) {
            names = getRuntimeContext().getListState(new ListStateDescriptor<>("names", Types.STRING));
        }

        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            names.add(r.f0);
            int size = 0;
            Iterable<String> all = names.get();
            if (all != null) for (String ignored : all) size++;
            out.collect(Rec.of(Functions.keyString(ctx.getCurrentKey()), size, r.f2, r.f3));
        }
    }

    /** Odd n goes to the side output "odd", the rest to the main output. */
    static final class Split extends ProcessFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) {
            if (r.f1 % 2 != 0) ctx.output(ODD, r); else out.collect(r);
        }
    }

    static final class KeyedSplit extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) {
            if (r.f1 % 2 != 0) ctx.output(ODD, r); else out.collect(r);
        }
    }

    /** Replaces t with the operator's current watermark as the element is processed. */
    static final class WmProbe extends ProcessFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) {
            out.collect(Rec.of(r.f0, r.f1, r.f2, ctx.timerService().currentWatermark()));
        }
    }

    static final class KeyedWmProbe extends KeyedProcessFunction<Object, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        @Override
        public void processElement(Tuple4<String, Integer, Double, Long> r, Context ctx, Collector<Tuple4<String, Integer, Double, Long>> out) {
            out.collect(Rec.of(r.f0, r.f1, r.f2, ctx.timerService().currentWatermark()));
        }
    }

    /**
     * The README's enrichment: input 1 writes the key's name (its s), input 2 reads it and
     * keeps a running total of x. Output: [name or null, n, total, t] of the input-2 record.
     */
    static final class Enrich extends RichCoFlatMapFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> {
        private transient ValueState<String> name;
        private transient ValueState<Double> total;

        @Override
        public void open(OpenContext ctx) {
            name = getRuntimeContext().getState(new ValueStateDescriptor<>("name", Types.STRING));
            total = getRuntimeContext().getState(new ValueStateDescriptor<>("total", Types.DOUBLE));
        }

        @Override
        public void flatMap1(Tuple4<String, Integer, Double, Long> item, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            name.update(item.f0);
        }

        @Override
        public void flatMap2(Tuple4<String, Integer, Double, Long> p, Collector<Tuple4<String, Integer, Double, Long>> out) throws Exception {
            Double t = total.value();
            double sum = (t == null ? 0.0 : t) + p.f2;
            total.update(sum);
            out.collect(Rec.of(name.value(), p.f1, sum, p.f3));
        }
    }
}
