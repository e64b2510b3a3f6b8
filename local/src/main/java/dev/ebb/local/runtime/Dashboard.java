package dev.ebb.local.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local dashboard on the gateway: the page ({@code GET /}, plain HTML, CSS and JS from the jar, charts drawn as
 * SVG) and {@code GET /dashboard/state}, the numbers it draws — {@link LiveMetrics} (the metrics the code emits) and
 * each lane queue's depth. The state holds aggregates only (no job, input or key); the page reads the tenant's jobs
 * and submits through the public API with the key it is given. The gateway listens on 127.0.0.1 only.
 */
final class Dashboard {
    private Dashboard() {
    }

    static void serve(HttpGateway gateway, LiveMetrics metrics, SqsClient sqs, Map<String, String> queueUrls) {
        gateway.page("/", resource("index.html", "text/html; charset=utf-8"))
                .page("/dashboard.js", resource("dashboard.js", "text/javascript; charset=utf-8"))
                .page("/dashboard.css", resource("dashboard.css", "text/css; charset=utf-8"))
                .page("/dashboard/state", new HttpGateway.Page("application/json",
                        () -> Json.write(state(metrics, sqs, queueUrls)).getBytes(StandardCharsets.UTF_8)));
    }

    static ObjectNode state(LiveMetrics metrics, SqsClient sqs, Map<String, String> queueUrls) {
        ObjectNode state = metrics.snapshot();
        ObjectNode queues = state.putObject("queues");
        queueUrls.forEach((lane, url) -> {
            ObjectNode queue = queues.putObject(lane);
            try {
                Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
                queue.put("visible", Long.parseLong(attributes.getOrDefault(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")));
                queue.put("inFlight", Long.parseLong(attributes.getOrDefault(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0")));
            } catch (SdkException e) {
                queue.put("error", "queue_unavailable");
            }
        });
        return state;
    }

    private static HttpGateway.Page resource(String name, String contentType) {
        byte[] bytes;
        try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource " + name + " is missing from the class path");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new HttpGateway.Page(contentType, () -> bytes);
    }
}
