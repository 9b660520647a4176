package eddy.oracle;

import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.java.tuple.Tuple4;

/**
 * The named stateless functions of the spec vocabulary. Each has a twin of the same name in
 * test/flink-oracle/functions.ts; the two must compute the same thing.
 */
final class Functions {
    private Functions() {}

    static MapFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> map(String name) {
        switch (name) {
            case "incN": return r -> Rec.of(r.f0, r.f1 + 1, r.f2, r.f3);
            case "scaleX": return r -> Rec.of(r.f0, r.f1, r.f2 * 1.5, r.f3);
            case "upperS": return r -> Rec.of(r.f0 == null ? null : r.f0.toUpperCase(java.util.Locale.ROOT), r.f1, r.f2, r.f3);
            case "modN": return r -> Rec.of(r.f0, r.f1 % 3, r.f2, r.f3);
            case "shiftT": return r -> Rec.of(r.f0, r.f1, r.f2, r.f3 + 10);
            case "nFromX": return r -> Rec.of(r.f0, (int) Math.floor(r.f2), r.f2, r.f3);
            case "sFromN": return r -> Rec.of("k" + Math.abs(r.f1 % 4), r.f1, r.f2, r.f3);
            default: throw new IllegalArgumentException("unknown map function " + name);
        }
    }

    static FilterFunction<Tuple4<String, Integer, Double, Long>> filter(String name) {
        switch (name) {
            case "nEven": return r -> r.f1 % 2 == 0;
            case "xPositive": return r -> r.f2 > 0;
            case "sNotA": return r -> r.f0 == null || !r.f0.equals("a");
            case "tSmall": return r -> r.f3 < 30;
            default: throw new IllegalArgumentException("unknown filter function " + name);
        }
    }

    static FlatMapFunction<Tuple4<String, Integer, Double, Long>, Tuple4<String, Integer, Double, Long>> flatMap(String name) {
        switch (name) {
            case "dupEven": return (r, out) -> {
                out.collect(r);
                if (r.f1 % 2 == 0) out.collect(Rec.of(r.f0, r.f1 + 1, r.f2, r.f3));
            };
            case "dropAll": return (r, out) -> {};
            case "byN": return (r, out) -> {
                for (int i = 0; i < Math.abs(r.f1 % 3); i++) out.collect(r);
            };
            case "splitX": return (r, out) -> {
                out.collect(Rec.of(r.f0, r.f1, r.f2 / 2, r.f3));
                out.collect(Rec.of(r.f0, r.f1, r.f2 / 2, r.f3));
            };
            default: throw new IllegalArgumentException("unknown flatMap function " + name);
        }
    }

    static ReduceFunction<Tuple4<String, Integer, Double, Long>> reduce(String name) {
        switch (name) {
            case "sumNX": return (a, b) -> Rec.of(a.f0, a.f1 + b.f1, a.f2 + b.f2, Math.max(a.f3, b.f3));
            case "last": return (a, b) -> b;
            case "minN": return (a, b) -> b.f1 < a.f1 ? b : a;
            case "countN": return (a, b) -> Rec.of(a.f0, a.f1 + 1, b.f2, b.f3);
            default: throw new IllegalArgumentException("unknown reduce function " + name);
        }
    }

    /** Keys are shown as strings in process-function output: String.valueOf(int) is JS's String(n). */
    static String keyString(Object key) {
        return String.valueOf(key);
    }
}
