package dev.ebb.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobListing;
import dev.ebb.core.job.JobStatus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/jobs}: a tenant's jobs, newest first, filtered by {@code status} and {@code uploadKey}, in pages of
 * {@code limit} (default 20, at most 100) with an opaque {@code nextToken}. A bad filter, limit or token is a 400;
 * a token is only good for the tenant it was given to.
 */
public final class JobList {
    public static final int DEFAULT_LIMIT = 20;
    private static final Set<String> PARAMETERS = Set.of("status", "uploadKey", "limit", "nextToken");

    private final DynamoDbJobListing listing;
    private final Clock clock;

    public JobList(DynamoDbJobListing listing, Clock clock) {
        this.listing = listing;
        this.clock = clock;
    }

    /** @param parameters the query string's parameters, decoded (null or empty for none) */
    public ObjectNode list(String tenant, Map<String, String> parameters) {
        Map<String, String> query = parameters == null ? Map.of() : parameters;
        for (String name : query.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw ApiException.badRequest("invalid_parameter",
                        "unknown query parameter '" + name + "'; known: status, uploadKey, limit, nextToken");
            }
        }
        JobStatus status = status(query.get("status"));
        String uploadKey = query.get("uploadKey");
        if (uploadKey != null && (uploadKey.isEmpty() || uploadKey.length() > 1024)) {
            throw ApiException.badRequest("invalid_upload_key", "uploadKey must be 1 to 1024 characters");
        }
        int limit = limit(query.get("limit"));
        DynamoDbJobListing.Position after = query.get("nextToken") == null ? null
                : decodeToken(tenant, query.get("nextToken"));
        DynamoDbJobListing.Page page = listing.list(
                new DynamoDbJobListing.Query(tenant, status, uploadKey, limit, after));
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode jobs = body.putArray("jobs");
        for (DynamoDbJobListing.Listed listed : page.jobs()) {
            ObjectNode view = JobViews.view(listed.job(), clock.instant());
            if (listed.uploadKey() != null) {
                view.put("uploadKey", listed.uploadKey());
            }
            if (listed.job().resultRef() != null) {
                // Kept in the object store: GET /v1/jobs/{id} returns it; a list does not read objects.
                view.put("resultTooLargeToList", true);
            }
            jobs.add(view);
        }
        if (page.next() != null) {
            body.put("nextToken", encodeToken(tenant, page.next()));
        }
        return body;
    }

    private static JobStatus status(String value) {
        if (value == null) {
            return null;
        }
        try {
            return JobStatus.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_status",
                    "status must be one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED");
        }
    }

    private static int limit(String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= 100) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // falls through to the error
        }
        throw ApiException.badRequest("invalid_limit", "limit must be a whole number from 1 to 100");
    }

    static String encodeToken(String tenant, DynamoDbJobListing.Position position) {
        ObjectNode token = Json.MAPPER.createObjectNode()
                .put("t", tenant).put("c", position.createdAt()).put("j", position.jobId());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(token).getBytes(StandardCharsets.UTF_8));
    }

    static DynamoDbJobListing.Position decodeToken(String tenant, String token) {
        ApiException invalid = ApiException.badRequest("invalid_token",
                "nextToken is not one this API gave for these credentials; start again without it");
        if (token.isEmpty() || token.length() > 512) {
            throw invalid;
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw invalid;
        }
        if (node == null || !node.isObject() || !node.path("t").isTextual() || !tenant.equals(node.path("t").asText())
                || !node.path("c").canConvertToLong() || !node.path("c").isIntegralNumber()
                || !node.path("j").isTextual() || !node.path("j").asText().matches("j_[a-z0-9]{1,64}")) {
            throw invalid;
        }
        return new DynamoDbJobListing.Position(node.path("c").asLong(), node.path("j").asText());
    }
}
