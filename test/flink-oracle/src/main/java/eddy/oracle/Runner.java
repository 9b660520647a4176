package eddy.oracle;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.BatchExecutionOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.ExceptionUtils;

/**
 * The Flink side of the oracle. One JVM, one MiniCluster, many jobs: every stdin line is a request
 * {"id", "spec", "parallelisms"}; every stdout line is the answer {"id", "runs": [{parallelism,
 * sinks: {sinkId: rows}, error, millis}]}. Requests run concurrently (argument 1: how many);
 * answers come in completion order, matched by id. A JVM start costs seconds, a job here ~0.1 s.
 */
public final class Runner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong RUNS = new AtomicLong();
    private static final long JOB_TIMEOUT_SECONDS = 60;

    public static void main(String[] args) throws Exception {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        // Flink's own chatter must not reach the protocol stream.
        System.setOut(System.err);

        // Slots are freed a little after a job ends, and a streaming job that finds too few fails
        // at once (NoResourceAvailableException): keep many more than `workers` jobs need.
        int slots = 8 * workers;
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(32L * slots));
        conf.set(BatchExecutionOptions.ADAPTIVE_AUTO_PARALLELISM_ENABLED, false);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
        cluster.start();
        out.println("{\"ready\":true,\"flink\":\"" + org.apache.flink.runtime.util.EnvironmentInformation.getVersion() + "\"}");

        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode request = JSON.readTree(line);
                pool.submit(() -> {
                    String answer;
                    try {
                        answer = answer(cluster, request);
                    } catch (Throwable t) {
                        answer = "{\"id\":" + request.get("id") + ",\"fatal\":" + JSON.valueToTree(rootMessage(t)) + "}";
                    }
                    synchronized (out) {
                        out.println(answer);
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.HOURS);
            cluster.close();
        } catch (Throwable t) {
            // The cluster's threads would keep a JVM without its reader alive, and the caller waiting.
            t.printStackTrace();
            System.exit(2);
        }
        System.exit(0);
    }

    private static String answer(MiniCluster cluster, JsonNode request) {
        ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.set("id", request.get("id"));
        ArrayNode runs = response.putArray("runs");
        for (JsonNode p : request.get("parallelisms")) {
            runs.add(run(cluster, request.get("spec"), p.asInt()));
        }
        try {
            return JSON.writeValueAsString(response);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a job, again when the cluster had no slots for it yet: that is the cluster's state, not the job's outcome. */
    private static ObjectNode run(MiniCluster cluster, JsonNode spec, int parallelism) {
        ObjectNode result = runOnce(cluster, spec, parallelism);
        for (int attempt = 1; attempt <= 3 && result.path("error").asText("").startsWith("NoResourceAvailableException"); attempt++) {
            System.err.println("[flink-oracle] no slots for a job; trying again (" + attempt + ")");
            try {
                Thread.sleep(500L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            result = runOnce(cluster, spec, parallelism);
        }
        return result;
    }

    private static ObjectNode runOnce(MiniCluster cluster, JsonNode spec, int parallelism) {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("parallelism", parallelism);
        long start = System.nanoTime();
        String runKey = "run" + RUNS.incrementAndGet();
        JobBuilder builder = null;
        try {
            Configuration conf = new Configuration();
            conf.set(ExecutionOptions.RUNTIME_MODE,
                    "BATCH".equals(spec.get("mode").asText()) ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
            // BATCH jobs would otherwise get their parallelism from the adaptive batch scheduler.
            conf.set(BatchExecutionOptions.ADAPTIVE_AUTO_PARALLELISM_ENABLED, false);
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
            env.setParallelism(parallelism);
            builder = new JobBuilder(env, runKey);
            builder.build(spec);
            // As Flink's own executors do: this fills in what a submitted graph needs (its job id).
            StreamGraph graph = PipelineExecutorUtils.getStreamGraph(env.getStreamGraph(), conf);
            JobID job = cluster.submitJob(graph).get().getJobID();
            JobResult outcome;
            try {
                outcome = cluster.requestJobResult(job).get(JOB_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                cluster.cancelJob(job);
                throw new IllegalStateException("the Flink job did not finish within " + JOB_TIMEOUT_SECONDS + " s");
            }
            if (outcome.getSerializedThrowable().isPresent()) {
                Throwable t = outcome.getSerializedThrowable().get().deserializeError(Runner.class.getClassLoader());
                result.put("error", rootMessage(t));
            } else {
                result.putNull("error");
            }
        } catch (Throwable t) {
            if (System.getenv("EDDY_ORACLE_DEBUG") != null) t.printStackTrace();
            result.put("error", rootMessage(t));
        }
        ObjectNode sinks = result.putObject("sinks");
        if (builder != null) {
            for (String sinkId : builder.sinkIds) sinks.set(sinkId, rows(CollectingSink.take(JobBuilder.sinkKey(runKey, sinkId))));
        }
        result.put("millis", (System.nanoTime() - start) / 1_000_000);
        return result;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = ExceptionUtils.stripCompletionException(t);
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** Long.MIN_VALUE / MAX_VALUE become "-Infinity" / "Infinity": Eddy's MIN_WATERMARK / MAX_WATERMARK. */
    private static ArrayNode rows(List<Object[]> rows) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Object[] row : rows) {
            ArrayNode r = out.addArray();
            r.add((Integer) row[0]);
            addLong(r, (Long) row[1]);
            if (row[2] == null) r.addNull(); else r.add((String) row[2]);
            r.add((Integer) row[3]);
            addDouble(r, (Double) row[4]);
            addLong(r, (Long) row[5]);
        }
        return out;
    }

    private static void addLong(ArrayNode r, Long v) {
        if (v == null) r.addNull();
        else if (v == Long.MIN_VALUE) r.add("-Infinity");
        else if (v == Long.MAX_VALUE) r.add("Infinity");
        else r.add(v);
    }

    private static void addDouble(ArrayNode r, Double v) {
        if (v.isNaN() || v.isInfinite()) r.add(v.toString());
        else r.add(v);
    }
}
