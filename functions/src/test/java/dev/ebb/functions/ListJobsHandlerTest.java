package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.body;
import static dev.ebb.functions.HandlerFixture.httpEvent;
import static dev.ebb.functions.HandlerFixture.submitEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code GET /v1/jobs} against the DynamoDB-compatible test server, with the jobs table's tenant index. */
class ListJobsHandlerTest {
    private HandlerFixture fixture;
    private String key;

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
        key = fixture.keys.create("acme");
    }

    @Test
    void handleRequest_withTheSampleEvent_listsOnlyTheTenantsSucceededJobs_newestFirst() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(submit(key, "What is " + i + " plus 1?"));
        }
        String other = fixture.keys.create("globex");
        submit(other, "What is 9 plus 9?");
        fixture.queueWorker().handleRequest(fixture.sqsEventOfSent(), null);
        submit(key, "What is 7 plus 7?"); // still QUEUED: filtered out

        APIGatewayV2HTTPResponse response = fixture.listHandler().handleRequest(httpEvent("list-jobs.json", key), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        JsonNode jobs = body(response).path("jobs");
        assertThat(jobs).extracting(j -> j.path("jobId").asText()).containsExactly(ids.get(2), ids.get(1), ids.get(0));
        assertThat(jobs.get(0).path("result").path("text").asText()).isEqualTo("2 plus 1 = 3");
        assertThat(body(response).has("nextToken")).isFalse();
    }

    @Test
    void handleRequest_pagesWithAnOpaqueToken_untilNoneIsLeft() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(submit(key, "What is " + i + " plus 2?"));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Map<String, String> query = new HashMap<>(Map.of("limit", "2"));
            if (token != null) {
                query.put("nextToken", token);
            }
            JsonNode page = body(fixture.listHandler().handleRequest(listEvent(key, query), null));
            page.path("jobs").forEach(j -> seen.add(j.path("jobId").asText()));
            token = page.has("nextToken") ? page.path("nextToken").asText() : null;
            pages++;
        } while (token != null && pages < 10);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly(ids.get(4), ids.get(3), ids.get(2), ids.get(1), ids.get(0));
    }

    @ParameterizedTest
    @CsvSource({
            "status,DONE,invalid_status",
            "limit,0,invalid_limit",
            "limit,101,invalid_limit",
            "limit,x,invalid_limit",
            "nextToken,%%%,invalid_token",
            "nextToken,eyJ0IjoiYWNtZSJ9,invalid_token",
            "colour,red,invalid_parameter"})
    void handleRequest_whenAFilterOrTokenIsBad_returns400WithItsCode(String name, String value, String code) {
        APIGatewayV2HTTPResponse response = fixture.listHandler().handleRequest(listEvent(key, Map.of(name, value)), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo(code);
        assertThat(body(response).at("/error/message").asText()).isNotEmpty();
    }

    @Test
    void handleRequest_whenTheTokenWasGivenToAnotherTenant_returns400() {
        for (int i = 0; i < 2; i++) {
            submit(key, "What is " + i + " plus 3?");
        }
        String token = body(fixture.listHandler().handleRequest(listEvent(key, Map.of("limit", "1")), null))
                .path("nextToken").asText();
        String other = fixture.keys.create("globex");

        APIGatewayV2HTTPResponse response = fixture.listHandler()
                .handleRequest(listEvent(other, Map.of("nextToken", token)), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_token");
    }

    @Test
    void handleRequest_withoutAKey_returns401() {
        assertThat(fixture.listHandler().handleRequest(httpEvent("list-jobs.json", null), null).getStatusCode())
                .isEqualTo(401);
    }

    private String submit(String apiKey, String text) {
        return body(fixture.submitHandler().handleRequest(
                submitEvent(apiKey, "{\"task\":\"math\",\"input\":{\"text\":\"" + text + "\"}}"), null))
                .path("jobId").asText();
    }

    private static APIGatewayV2HTTPEvent listEvent(String apiKey, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = httpEvent("list-jobs.json", apiKey);
        event.setQueryStringParameters(query);
        return event;
    }
}
