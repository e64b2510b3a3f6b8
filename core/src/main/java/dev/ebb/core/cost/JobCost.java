package dev.ebb.core.cost;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one job cost, in US dollars, by service: the plumbing (API, functions, queue, table, object store) and the
 * compute it ran on (a share of a gpu worker, or of the cpu lane's function).
 */
public record JobCost(double api, double lambda, double sqs, double dynamoDb, double s3, double compute) {

    public double plumbing() {
        return api + lambda + sqs + dynamoDb + s3;
    }

    public double total() {
        return plumbing() + compute;
    }

    /** By service, then {@code plumbing} and {@code total}: the shape of the job's {@code cost} field. */
    public Map<String, Double> asMap() {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put("api", api);
        map.put("lambda", lambda);
        map.put("sqs", sqs);
        map.put("dynamoDb", dynamoDb);
        map.put("s3", s3);
        map.put("compute", compute);
        map.put("plumbing", plumbing());
        map.put("total", total());
        return map;
    }

    /** The inverse of {@link #asMap} (missing services are 0). */
    public static JobCost fromMap(Map<String, ? extends Number> map) {
        return new JobCost(value(map, "api"), value(map, "lambda"), value(map, "sqs"), value(map, "dynamoDb"),
                value(map, "s3"), value(map, "compute"));
    }

    private static double value(Map<String, ? extends Number> map, String name) {
        Number value = map.get(name);
        return value == null ? 0 : value.doubleValue();
    }
}
