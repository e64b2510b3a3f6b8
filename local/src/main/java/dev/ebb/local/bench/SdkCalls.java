package dev.ebb.local.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the AWS SDK calls every client in this JVM makes, by service and operation, while a bench counts: what a job
 * costs in calls, beside what it costs in CPU ({@link CpuAccount}). Registered for every client of the local module
 * through the SDK's global interceptor list ({@code software/amazon/awssdk/global/handlers/execution.interceptors}),
 * it does nothing but read one flag unless a bench switched it on. Calls, not attempts: a retried call counts once.
 */
public final class SdkCalls implements ExecutionInterceptor {
    private static volatile boolean counting;
    private static final Map<String, LongAdder> CALLS = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (counting) {
            String name = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + " "
                    + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME)
                    + context.request().getValueForField("TableName", String.class)
                            .or(() -> context.request().getValueForField("QueueUrl", String.class)
                                    .map(url -> url.substring(url.lastIndexOf('/') + 1)))
                            .map(target -> "(" + target + ")").orElse("");
            CALLS.computeIfAbsent(name, n -> new LongAdder()).increment();
        }
    }

    /** Starts counting from zero. */
    static void start() {
        CALLS.clear();
        counting = true;
    }

    /** Stops counting and returns the calls since {@link #start()} by "service operation". */
    static Map<String, Long> stop() {
        counting = false;
        Map<String, Long> counts = new TreeMap<>();
        CALLS.forEach((name, n) -> counts.put(name, n.sum()));
        return counts;
    }

    /** "DynamoDb GetItem 1.02, Sqs SendMessageBatch 0.10, …" per job (counts under 0.005 a job left out). */
    static String perJob(Map<String, Long> counts, int jobs) {
        StringBuilder line = new StringBuilder();
        double total = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            double per = (double) e.getValue() / jobs;
            total += per;
            if (per >= 0.005) {
                line.append(line.isEmpty() ? "" : ", ").append(String.format("%s %.2f", e.getKey(), per));
            }
        }
        return String.format("%.2f calls (%s)", total, line);
    }
}
