package eddy.oracle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Builds a job specification (see test/flink-oracle/README.md) as a Flink DataStream job. The
 * spec's node list is in topological order; every node names its inputs by id.
 */
final class JobBuilder {
    private final StreamExecutionEnvironment env;
    private final String runKey;
    private final Map<String, DataStream<Tuple4<String, Integer, Double, Long>>> streams = new HashMap<>();
    private final Map<String, KeyedStream<Tuple4<String, Integer, Double, Long>, Object>> keyed = new HashMap<>();
    private final Map<String, SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>>> processNodes = new HashMap<>();
    final List<String> sinkIds = new ArrayList<>();

    JobBuilder(StreamExecutionEnvironment env, String runKey) {
        this.env = env;
        this.runKey = runKey;
    }

    static String sinkKey(String runKey, String sinkId) {
        return runKey + "/" + sinkId;
    }

    void build(JsonNode spec) {
        boolean perRecord = "perRecord".equals(spec.path("watermarkEmission").asText("endOnly"));
        for (JsonNode node : spec.get("nodes")) {
            String id = node.get("id").asText();
            String op = node.get("op").asText();
            switch (op) {
                case "source": streams.put(id, source(node)); break;
                case "watermarks": {
                    long bound = "monotonous".equals(node.get("strategy").asText()) ? 0 : node.get("outOfOrderness").asLong();
                    streams.put(id, parallelism(node, stream(node.get("input")).assignTimestampsAndWatermarks(Watermarks.strategy(bound, perRecord))));
                    break;
                }
                case "map": streams.put(id, parallelism(node, input(node).map(Functions.map(fn(node)), Rec.TYPE))); break;
                case "filter": streams.put(id, parallelism(node, input(node).filter(Functions.filter(fn(node))))); break;
                case "flatMap": streams.put(id, parallelism(node, input(node).flatMap(Functions.flatMap(fn(node)), Rec.TYPE))); break;
                case "keyBy": keyed.put(id, keyBy(stream(node.get("input")), node.get("field").asInt())); break;
                case "aggregate": streams.put(id, aggregate(keyedInput(node), node.get("kind").asText(), node.get("field").asInt())); break;
                case "reduce": streams.put(id, keyedInput(node).reduce(Functions.reduce(fn(node)))); break;
                case "process": {
                    String in = node.get("input").asText();
                    SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> out;
                    if (keyed.containsKey(in)) {
                        out = keyed.get(in).process(ProcessFunctions.keyed(fn(node), node.path("delay").asLong(0), node.path("step").asLong(0)), Rec.TYPE);
                    } else {
                        out = parallelism(node, stream(node.get("input")).process(ProcessFunctions.plain(fn(node)), Rec.TYPE));
                    }
                    processNodes.put(id, out);
                    streams.put(id, out);
                    break;
                }
                case "sideOutput": {
                    SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> from = processNodes.get(node.get("input").asText());
                    if (from == null) throw new IllegalArgumentException("sideOutput " + id + ": input is not a process or window node");
                    streams.put(id, from.getSideOutput("late".equals(node.get("tag").asText()) ? Windows.LATE : ProcessFunctions.ODD));
                    break;
                }
                case "window": {
                    String in = node.get("input").asText();
                    SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> out =
                            keyed.containsKey(in) ? Windows.keyed(keyed.get(in), node) : Windows.all(stream(node.get("input")), node);
                    processNodes.put(id, out);
                    streams.put(id, out);
                    break;
                }
                case "union": {
                    JsonNode inputs = node.get("inputs");
                    DataStream<Tuple4<String, Integer, Double, Long>> first = stream(inputs.get(0));
                    @SuppressWarnings("unchecked")
                    DataStream<Tuple4<String, Integer, Double, Long>>[] rest = new DataStream[inputs.size() - 1];
                    for (int i = 1; i < inputs.size(); i++) rest[i - 1] = stream(inputs.get(i));
                    streams.put(id, first.union(rest));
                    break;
                }
                case "connect": {
                    JsonNode inputs = node.get("inputs");
                    KeyedStream<Tuple4<String, Integer, Double, Long>, Object> a = keyed.get(inputs.get(0).asText());
                    KeyedStream<Tuple4<String, Integer, Double, Long>, Object> b = keyed.get(inputs.get(1).asText());
                    if (a == null || b == null) throw new IllegalArgumentException("connect " + id + ": both inputs must be keyBy nodes");
                    streams.put(id, a.connect(b).flatMap(new ProcessFunctions.Enrich(), Rec.TYPE));
                    break;
                }
                case "sink": {
                    var sink = stream(node.get("input")).sinkTo(new CollectingSink(sinkKey(runKey, id)));
                    if (node.has("parallelism")) sink.setParallelism(node.get("parallelism").asInt());
                    sinkIds.add(id);
                    break;
                }
                default: throw new IllegalArgumentException("unknown op " + op + " (node " + id + ")");
            }
        }
    }

    private DataStream<Tuple4<String, Integer, Double, Long>> source(JsonNode node) {
        List<Tuple4<String, Integer, Double, Long>> records = new ArrayList<>();
        for (JsonNode r : node.get("records")) {
            records.add(Rec.of(r.get(0).isNull() ? null : r.get(0).asText(), r.get(1).asInt(), r.get(2).asDouble(), r.get(3).asLong()));
        }
        if (records.isEmpty()) {
            // fromData fails on an empty collection ("Reached the end of the collection"); an empty
            // source is the one-record source filtered at parallelism 1, chained to it.
            return env.fromData(List.of(Rec.of("", 0, 0, 0)), Rec.TYPE).filter(r -> false).setParallelism(1);
        }
        return env.fromData(records, Rec.TYPE);
    }

    private static String fn(JsonNode node) {
        return node.get("fn").asText();
    }

    /** A stateless operator reads a keyed stream through its key partitioning, as KeyedStream.map does. */
    private DataStream<Tuple4<String, Integer, Double, Long>> input(JsonNode node) {
        String in = node.get("input").asText();
        KeyedStream<Tuple4<String, Integer, Double, Long>, Object> k = keyed.get(in);
        return k != null ? k : stream(node.get("input"));
    }

    private DataStream<Tuple4<String, Integer, Double, Long>> stream(JsonNode ref) {
        DataStream<Tuple4<String, Integer, Double, Long>> s = streams.get(ref.asText());
        if (s == null) s = keyed.get(ref.asText());
        if (s == null) throw new IllegalArgumentException("no stream " + ref.asText());
        return s;
    }

    private KeyedStream<Tuple4<String, Integer, Double, Long>, Object> keyedInput(JsonNode node) {
        KeyedStream<Tuple4<String, Integer, Double, Long>, Object> k = keyed.get(node.get("input").asText());
        if (k == null) throw new IllegalArgumentException(node.get("op").asText() + " " + node.get("id").asText() + ": input must be a keyBy node");
        return k;
    }

    private static SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> parallelism(JsonNode node, SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> op) {
        if (node.has("parallelism")) op.setParallelism(node.get("parallelism").asInt());
        return op;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static KeyedStream<Tuple4<String, Integer, Double, Long>, Object> keyBy(DataStream<Tuple4<String, Integer, Double, Long>> in, int field) {
        KeySelector<Tuple4<String, Integer, Double, Long>, Object> selector;
        TypeInformation keyType;
        if (field == 0) {
            selector = r -> r.f0;
            keyType = Types.STRING;
        } else if (field == 1) {
            selector = r -> r.f1;
            keyType = Types.INT;
        } else {
            throw new IllegalArgumentException("keyBy field " + field + ": only s (0) and n (1) are keys");
        }
        return in.keyBy(selector, (TypeInformation<Object>) keyType);
    }

    private static SingleOutputStreamOperator<Tuple4<String, Integer, Double, Long>> aggregate(KeyedStream<Tuple4<String, Integer, Double, Long>, Object> k, String kind, int field) {
        switch (kind) {
            case "sum": return k.sum(field);
            case "min": return k.min(field);
            case "max": return k.max(field);
            case "minBy": return k.minBy(field);
            case "maxBy": return k.maxBy(field);
            default: throw new IllegalArgumentException("unknown aggregation " + kind);
        }
    }
}
