package dev.ebb.core.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.Job;
import java.util.Objects;

/**
 * The SQS message body: small, versioned, and enough to run the job without reading the store first.
 * Version 1: {@code {"v":1,"jobId":…,"tenant":…,"task":…,"model":…,"input":…}}.
 */
public record JobEnvelope(int version, String jobId, String tenant, String task, String model, JsonNode input) {
    public static final int CURRENT_VERSION = 1;

    public JobEnvelope {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(task, "task");
    }

    public static JobEnvelope of(Job job) {
        return new JobEnvelope(CURRENT_VERSION, job.jobId(), job.tenant(), job.task(), job.model(), job.input());
    }

    public String toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode()
                .put("v", version)
                .put("jobId", jobId)
                .put("tenant", tenant)
                .put("task", task);
        if (model != null) {
            node.put("model", model);
        }
        if (input != null) {
            node.set("input", input);
        }
        return Json.write(node);
    }

    /** Reads a message body, refusing anything this version of Ebb cannot run. */
    public static JobEnvelope parse(String body) throws MalformedEnvelopeException {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedEnvelopeException("message body is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new MalformedEnvelopeException("message body is not a JSON object");
        }
        if (!node.path("v").isInt() || node.get("v").intValue() != CURRENT_VERSION) {
            throw new MalformedEnvelopeException("unsupported envelope version " + node.path("v")
                    + " (this worker reads v" + CURRENT_VERSION + ")");
        }
        return new JobEnvelope(CURRENT_VERSION, text(node, "jobId"), text(node, "tenant"), text(node, "task"),
                node.path("model").isTextual() ? node.get("model").textValue() : null, node.get("input"));
    }

    private static String text(JsonNode node, String field) throws MalformedEnvelopeException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
            throw new MalformedEnvelopeException("envelope has no '" + field + "'");
        }
        return value.textValue();
    }

    public static final class MalformedEnvelopeException extends Exception {
        public MalformedEnvelopeException(String message) {
            super(message, null, false, false);
        }
    }
}
