package eddy.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.java.tuple.Tuple4;

/**
 * Gathers a sink's records into a static list: the MiniCluster runs in this JVM, so tasks and the
 * runner share it. Each row is [subtask, record timestamp or null, s, n, x, t]; rows of one
 * subtask keep their order.
 */
final class CollectingSink implements Sink<Tuple4<String, Integer, Double, Long>> {
    private static final ConcurrentHashMap<String, List<Object[]>> RESULTS = new ConcurrentHashMap<>();

    private final String key;

    CollectingSink(String key) {
        this.key = key;
        RESULTS.put(key, new ArrayList<>());
    }

    static List<Object[]> take(String key) {
        List<Object[]> rows = RESULTS.remove(key);
        if (rows == null) return List.of();
        synchronized (rows) {
            return new ArrayList<>(rows);
        }
    }

    @Override
    public SinkWriter<Tuple4<String, Integer, Double, Long>> createWriter(WriterInitContext context) {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        List<Object[]> rows = RESULTS.get(key);
        return new SinkWriter<>() {
            @Override
            public void write(Tuple4<String, Integer, Double, Long> r, Context ctx) {
                Object[] row = {subtask, ctx.timestamp(), r.f0, r.f1, r.f2, r.f3};
                synchronized (rows) {
                    rows.add(row);
                }
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
