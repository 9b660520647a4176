package eddy.oracle;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.java.tuple.Tuple4;

/**
 * Deterministic watermark emission. Flink's own generators emit periodically (every 200 ms of
 * wall clock), which makes timer firing depend on timing. Here a watermark follows every record
 * ("perRecord", Eddy's setPerRecordWatermarks(true)) or none comes before the end of input
 * ("endOnly", Eddy's setAutoWatermarkInterval(0)). Timestamps are the record's t.
 */
final class Watermarks {
    private Watermarks() {}

    static WatermarkStrategy<Tuple4<String, Integer, Double, Long>> strategy(long outOfOrderness, boolean perRecord) {
        WatermarkStrategy<Tuple4<String, Integer, Double, Long>> s =
                ctx -> new BoundedPerRecord(outOfOrderness, perRecord);
        return s.withTimestampAssigner((r, previous) -> r.f3);
    }

    /** Flink's BoundedOutOfOrdernessWatermarks (max - bound - 1), emitted in onEvent or never. */
    static final class BoundedPerRecord implements WatermarkGenerator<Tuple4<String, Integer, Double, Long>> {
        private final long bound;
        private final boolean perRecord;
        private long max;

        BoundedPerRecord(long bound, boolean perRecord) {
            this.bound = bound;
            this.perRecord = perRecord;
            this.max = Long.MIN_VALUE + bound + 1;
        }

        @Override
        public void onEvent(Tuple4<String, Integer, Double, Long> event, long ts, WatermarkOutput out) {
            max = Math.max(max, ts);
            if (perRecord) out.emitWatermark(new Watermark(max - bound - 1));
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput out) {}
    }
}
