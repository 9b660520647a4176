package eddy.oracle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.datastream.AllWindowedStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.datastream.WindowedStream;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.ContinuousEventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.CountTrigger;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.PurgingTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.api.windowing.windows.Window;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The window node of the spec vocabulary (README.md, "Windows"): keyed window(...) or
 * windowAll(...), its assigner, trigger, lateness and late side output, and the window functions;
 * twins in test/flink-oracle/functions.ts and eddy_job.ts.
 */
final class Windows {
    private Windows() {}

    static final OutputTag<Tuple4<String, Integer, Double, Long>> LATE = new OutputTag<>("late", Rec.TYPE);

    @SuppressWarnings({"unchecked", "rawtypes"})
    static SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> keyed(KeyedStream<Tuple4<String, Integer, Double, Long>, Object> in, JsonNode node) {
        JsonNode a = node.get("assigner");
        boolean merging = "session".equals(a.get("kind").asText());
        WindowedStream w;
        if ("count".equals(a.get("kind").asText())) {
            w = a.has("slide") ? in.countWindow(a.get("size").asLong(), a.get("slide").asLong()) : in.countWindow(a.get("size").asLong());
        } else {
            w = in.window((WindowAssigner) assigner(a));
        }
        if (node.has("trigger")) w = w.trigger(trigger(node.get("trigger")));
        if (node.has("allowedLateness")) w = w.allowedLateness(Duration.ofMillis(node.get("allowedLateness").asLong()));
        if (node.path("lateData").asBoolean(false)) w = w.sideOutputLateData(LATE);
        ProcessWindowFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>, Object, Window> process = new Process(merging);
        ProcessWindowFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>, Object, Window> withKey = new WithKey();
        switch (node.get("fn").asText()) {
            case "reduce": return w.reduce(reduce(node));
            case "reduceProcess": return w.reduce(reduce(node), process, Rec.TYPE);
            case "aggregate": return w.aggregate(new Agg(), Rec.TYPE, Rec.TYPE);
            case "aggregateKey": return w.aggregate(new Agg(), withKey, Rec.TYPE, Rec.TYPE, Rec.TYPE);
            case "aggregateProcess": return w.aggregate(new Agg(), process, Rec.TYPE, Rec.TYPE, Rec.TYPE);
            case "process": return w.process(process, Rec.TYPE);
            default: throw new IllegalArgumentException("unknown window function " + node.get("fn").asText());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> all(DataStream<Tuple4<String, Integer, Double, Long>> in, JsonNode node) {
        JsonNode a = node.get("assigner");
        boolean merging = "session".equals(a.get("kind").asText());
        AllWindowedStream w;
        if ("count".equals(a.get("kind").asText())) {
            w = a.has("slide") ? in.countWindowAll(a.get("size").asLong(), a.get("slide").asLong()) : in.countWindowAll(a.get("size").asLong());
        } else {
            w = in.windowAll((WindowAssigner) assigner(a));
        }
        if (node.has("trigger")) w = w.trigger(trigger(node.get("trigger")));
        if (node.has("allowedLateness")) w = w.allowedLateness(Duration.ofMillis(node.get("allowedLateness").asLong()));
        if (node.path("lateData").asBoolean(false)) w = w.sideOutputLateData(LATE);
        ProcessAllWindowFunction process = new ProcessAll(merging);
        switch (node.get("fn").asText()) {
            case "reduce": return w.reduce(reduce(node));
            case "reduceProcess": return w.reduce(reduce(node), process, Rec.TYPE);
            case "aggregate": return w.aggregate(new Agg(), Rec.TYPE, Rec.TYPE);
            case "aggregateKey": return w.aggregate(new Agg(), new WithKeyAll(), Rec.TYPE, Rec.TYPE, Rec.TYPE);
            case "aggregateProcess": return w.aggregate(new Agg(), process, Rec.TYPE, Rec.TYPE, Rec.TYPE);
            case "process": return w.process(process, Rec.TYPE);
            default: throw new IllegalArgumentException("unknown window function " + node.get("fn").asText());
        }
    }

    private static WindowAssigner<Object, ?> assigner(JsonNode a) {
        switch (a.get("kind").asText()) {
            case "tumbling": return TumblingEventTimeWindows.of(Duration.ofMillis(a.get("size").asLong()), Duration.ofMillis(a.get("offset").asLong()));
            case "sliding": return SlidingEventTimeWindows.of(Duration.ofMillis(a.get("size").asLong()), Duration.ofMillis(a.get("slide").asLong()), Duration.ofMillis(a.get("offset").asLong()));
            case "session": return EventTimeSessionWindows.withGap(Duration.ofMillis(a.get("gap").asLong()));
            case "global": return GlobalWindows.create();
            default: throw new IllegalArgumentException("unknown window assigner " + a.get("kind").asText());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Trigger trigger(JsonNode t) {
        switch (t.get("kind").asText()) {
            case "eventTime": return EventTimeTrigger.create();
            case "count": return CountTrigger.of(t.get("count").asLong());
            case "continuousEventTime": return ContinuousEventTimeTrigger.of(Duration.ofMillis(t.get("interval").asLong()));
            case "purging": return PurgingTrigger.of(trigger(t.get("nested")));
            default: throw new IllegalArgumentException("unknown trigger " + t.get("kind").asText());
        }
    }

    private static ReduceFunction<Tuple4<String, Integer, Double, Long>> reduce(JsonNode node) {
        String name = node.get("reduceFn").asText();
        if ("maxAll".equals(name)) {
            return (a, b) -> Rec.of(minS(a.f0, b.f0), Math.max(a.f1, b.f1), Math.max(a.f2, b.f2), Math.max(a.f3, b.f3));
        }
        return Functions.reduce(name);
    }

    private static String minS(String a, String b) {
        if (a == null || b == null) return null;
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** count and sum of n; the result is ["agg", count, sum / count, sum]. */
    static final class Agg implements AggregateFunction<Tuple4<String, Integer, Double, Long>, long[], Tuple4<String, Integer, Double, Long>> {
        @Override
        public long[] createAccumulator() {
            return new long[2];
        }

        @Override
        public long[] add(Tuple4<String, Integer, Double, Long> r, long[] acc) {
            acc[0]++;
            acc[1] += r.f1;
            return acc;
        }

        @Override
        public Tuple4<String, Integer, Double, Long> getResult(long[] acc) {
            return Rec.of("agg", (int) acc[0], (double) acc[1] / acc[0], acc[1]);
        }

        @Override
        public long[] merge(long[] a, long[] b) {
            return new long[] {a[0] + b[0], a[1] + b[1]};
        }
    }

    /** aggregateKey: the aggregate's result with the key in s. */
    private static final class WithKey extends ProcessWindowFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>, Object, Window> {
        @Override
        public void process(Object key, Context ctx, Iterable<Tuple4<String, Integer, Double, Long>> elements, Collector<Tuple4<String, Integer, Double, Long>> out) {
            for (Tuple4<String, Integer, Double, Long> r : elements) out.collect(Rec.of(Functions.keyString(key), r.f1, r.f2, r.f3));
        }
    }

    private static final class WithKeyAll extends ProcessAllWindowFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>, Window> {
        @Override
        public void process(Context ctx, Iterable<Tuple4<String, Integer, Double, Long>> elements, Collector<Tuple4<String, Integer, Double, Long>> out) {
            for (Tuple4<String, Integer, Double, Long> r : elements) out.collect(Rec.of("all", r.f1, r.f2, r.f3));
        }
    }

    /**
     * [key, count, start, end], then each element with the key as s (one order group per key). A GlobalWindow's bounds are -Infinity and
     * Long.MAX_VALUE. Merged sessions list their elements sorted: the order in which Flink merges
     * list state follows a HashSet of windows, which the spec does not pin.
     */
    private static void emit(String key, Window w, Iterable<Tuple4<String, Integer, Double, Long>> elements, boolean merging, Collector<Tuple4<String, Integer, Double, Long>> out) {
        List<Tuple4<String, Integer, Double, Long>> list = new ArrayList<>();
        for (Tuple4<String, Integer, Double, Long> r : elements) list.add(r);
        if (merging) list.sort(ORDER);
        double start = w instanceof TimeWindow ? ((TimeWindow) w).getStart() : Double.NEGATIVE_INFINITY;
        long end = w instanceof TimeWindow ? ((TimeWindow) w).getEnd() : Long.MAX_VALUE;
        out.collect(Rec.of(key, list.size(), start, end));
        for (Tuple4<String, Integer, Double, Long> r : list) out.collect(Rec.of(key, r.f1, r.f2, r.f3));
    }

    /** By t, n, x (Double.compare), then s with null first: twin of functions.ts' compareRecs. */
    static final Comparator<Tuple4<String, Integer, Double, Long>> ORDER = Comparator
            .comparing((Tuple4<String, Integer, Double, Long> r) -> r.f3)
            .thenComparing(r -> r.f1)
            .thenComparing(r -> r.f2, Double::compare)
            .thenComparing(r -> r.f0, Comparator.nullsFirst(Comparator.naturalOrder()));

    private static final class Process extends ProcessWindowFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>, Object, Window> {
        private final boolean merging;

        Process(boolean merging) {
            this.merging = merging;
        }

        @Override
        public void process(Object key, Context ctx, Iterable<Tuple4<String, Integer, Double, Long>> elements, Collector<Tuple4<String, Integer, Double, Long>> out) {
            emit(Functions.keyString(key), ctx.window(), elements, merging, out);
        }
    }

    private static final class ProcessAll extends ProcessAllWindowFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>, Window> {
        private final boolean merging;

        ProcessAll(boolean merging) {
            this.merging = merging;
        }

        @Override
        public void process(Context ctx, Iterable<Tuple4<String, Integer, Double, Long>> elements, Collector<Tuple4<String, Integer, Double, Long>> out) {
            emit("all", ctx.window(), elements, merging, out);
        }
    }
}
