package dev.ebb.core.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import java.time.Duration;
import java.time.Instant;

/** The client's view of a job: what {@code GET /v1/jobs/{id}} returns. Internal fields (lease, tenant, input) stay out. */
public final class JobViews {
    private JobViews() {
    }

    public static ObjectNode view(Job job, Instant now) {
        ObjectNode node = Json.MAPPER.createObjectNode()
                .put("jobId", job.jobId())
                .put("task", job.task())
                .put("status", job.status().name());
        if (job.model() != null) {
            node.put("model", job.model());
        }
        node.put("attempts", job.attempts());
        ObjectNode timings = node.putObject("timings");
        timings.put("queuedAt", job.createdAt().toString());
        if (job.startedAt() != null) {
            timings.put("startedAt", job.startedAt().toString());
        }
        if (job.finishedAt() != null) {
            timings.put("finishedAt", job.finishedAt().toString());
        }
        Instant startedOrNow = job.startedAt() != null ? job.startedAt() : (job.finishedAt() != null ? job.finishedAt() : now);
        timings.put("waitMs", millisBetween(job.createdAt(), startedOrNow));
        if (job.startedAt() != null) {
            timings.put("runMs", millisBetween(job.startedAt(), job.finishedAt() != null ? job.finishedAt() : now));
        }
        if (job.finishedAt() != null) {
            timings.put("totalMs", millisBetween(job.createdAt(), job.finishedAt()));
        }
        if (job.result() != null) {
            node.set("result", job.result());
        }
        if (job.partial() != null && !job.status().isTerminal()) {
            node.put("partial", job.partial()); // a streaming reply so far; the result replaces it at the end
        }
        if (job.status() == JobStatus.SUCCEEDED && job.similarity() != null) {
            // Claimed, then answered by meaning from an earlier job's result instead of running (the semantic cache).
            node.put("cached", "semantic");
            node.put("similarity", java.math.BigDecimal.valueOf(job.similarity())
                    .round(new java.math.MathContext(4)).doubleValue());
        } else if (job.status() == JobStatus.SUCCEEDED && job.startedAt() == null) {
            node.put("cached", true); // succeeded without ever being started: answered from the result cache
        }
        if (job.error() != null) {
            node.putObject("error").put("code", job.error().code()).put("message", job.error().message());
        }
        if (job.cost() != null) {
            // US dollars at the dated list prices of dev.ebb.core.cost.Prices: the job's calls and its compute share.
            ObjectNode cost = node.putObject("cost");
            job.cost().asMap().forEach((service, usd) -> cost.put(service, java.math.BigDecimal.valueOf(usd)
                    .round(new java.math.MathContext(6)).doubleValue())); // as stored: 6 significant digits
            cost.put("currency", "USD").put("pricesAsOf", dev.ebb.core.cost.Prices.AS_OF);
        }
        if (job.lastError() != null && !job.status().isTerminal()) {
            // Why a job that is still waiting or running has been tried more than once; once it ends, its result
            // or error is the answer (a dead-lettered job's error message names the last error).
            node.putObject("lastError").put("code", job.lastError().code())
                    .put("message", job.lastError().message()).put("at", job.lastError().at().toString());
        }
        return node;
    }

    /** The 202 answer to a submit. */
    public static ObjectNode accepted(Job job) {
        return Json.MAPPER.createObjectNode().put("jobId", job.jobId()).put("status", job.status().name());
    }

    /** The 202 answer with the lane's measured ETA (whole seconds; none where nothing measured it). */
    public static ObjectNode accepted(Job job, Duration eta) {
        ObjectNode node = accepted(job);
        if (eta != null) {
            node.put("eta", eta.toSeconds());
        }
        return node;
    }

    public static ObjectNode error(String code, String message) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.putObject("error").put("code", code).put("message", message);
        return node;
    }

    private static long millisBetween(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis());
    }
}
