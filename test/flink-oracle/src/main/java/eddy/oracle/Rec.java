package eddy.oracle;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple4;

/**
 * The one record shape of the oracle: (s: String, n: int, x: double, t: long), a JSON array
 * [s, n, x, t] on the TypeScript side. One shape lets every operator follow every other.
 * Only s may be null (the enrichment's name before an item arrived).
 */
public final class Rec {
    private Rec() {}

    public static final TypeInformation<Tuple4<String, Integer, Double, Long>> TYPE =
            Types.TUPLE(Types.STRING, Types.INT, Types.DOUBLE, Types.LONG);

    public static Tuple4<String, Integer, Double, Long> of(String s, int n, double x, long t) {
        return Tuple4.of(s, n, x, t);
    }
}
