package dev.ebb.functions;

import dev.ebb.core.testing.TestDynamoDb;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.JobList;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.Limits;
import dev.ebb.core.auth.Authenticator;
import dev.ebb.core.auth.DynamoDbApiKeyStore;
import dev.ebb.core.job.DeadLetterIndex;
import dev.ebb.core.job.DynamoDbDeadLetterStore;
import dev.ebb.core.job.DynamoDbJobListing;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.TenantIndex;
import dev.ebb.core.job.Job;
import dev.ebb.core.run.DeadLetters;
import dev.ebb.core.run.JobRunner;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Shared set-up for the handler tests: the open-source DynamoDB-compatible test server with fresh jobs and keys
 * tables, the real stores on it, a recording queue, and the handlers built through their package-private
 * constructors. One server per test JVM; the tables are dropped and created again for every fixture.
 */
final class HandlerFixture {
    static final String JOBS_TABLE = "ebb-jobs";
    static final String KEYS_TABLE = "ebb-keys";

    /** The test JVM's Dynoxide server (see {@link TestDynamoDb}). */
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();

    final Clock clock = Clock.systemUTC();
    final DynamoDbJobStore jobs = new DynamoDbJobStore(DYNAMO_DB, JOBS_TABLE);
    final DynamoDbApiKeyStore keys = new DynamoDbApiKeyStore(DYNAMO_DB, KEYS_TABLE, clock);
    final RecordingJobQueue queue;

    private HandlerFixture(RecordingJobQueue queue) {
        this.queue = queue;
        recreateJobsTable();
        recreateTable(KEYS_TABLE, "keyHash");
    }

    /** The test server the fixture's tables live in. */
    static DynamoDbClient dynamoDb() {
        return DYNAMO_DB;
    }

    /** Fresh tables and a queue that records every send. */
    static HandlerFixture create() {
        return new HandlerFixture(RecordingJobQueue.recording());
    }

    /** Fresh tables and a queue whose every send fails. */
    static HandlerFixture withUnreachableQueue() {
        return new HandlerFixture(RecordingJobQueue.unreachable());
    }

    // ------------------------------------------------------------------------------------------ handlers

    JobService jobService() {
        return JobService.builder().store(jobs).queue(queue).tasks(DependencyFactory.tasks(Map.of()))
                .limits(Limits.DEFAULTS).clock(clock).build();
    }

    ApiGateway gateway() {
        return new ApiGateway(new Authenticator(keys, Duration.ofSeconds(30)));
    }

    SubmitJobHandler submitHandler() {
        return new SubmitJobHandler(gateway(), jobService(), clock);
    }

    GetJobHandler getHandler() {
        return new GetJobHandler(gateway(), jobService(), clock);
    }

    CancelJobHandler cancelHandler() {
        return new CancelJobHandler(gateway(), jobService(), clock);
    }

    QueueWorkerHandler queueWorker() {
        return new QueueWorkerHandler(JobRunner.builder().store(jobs).tasks(DependencyFactory.tasks(Map.of()))
                .owner("test-worker").lease(Duration.ofSeconds(60)).resultTtl(Limits.DEFAULTS.resultTtl())
                .clock(clock).build());
    }

    DynamoDbJobListing jobListing() {
        return new DynamoDbJobListing(DYNAMO_DB, JOBS_TABLE, clock);
    }

    ListJobsHandler listHandler() {
        return new ListJobsHandler(gateway(), new JobList(jobListing(), clock));
    }

    DeadLetters deadLetters() {
        return new DeadLetters(new DynamoDbDeadLetterStore(DYNAMO_DB, JOBS_TABLE), queue, Limits.DEFAULTS, clock);
    }

    DeadLetterHandler deadLetterHandler() {
        return new DeadLetterHandler(deadLetters());
    }

    RedriveHandler redriveHandler() {
        return new RedriveHandler(deadLetters());
    }

    // ------------------------------------------------------------------------------------------ events

    /**
     * A sample HTTP event from {@code events/} with its API key replaced: {@code key} as a bearer token, or no
     * authorization header at all when {@code key} is null.
     */
    static APIGatewayV2HTTPEvent httpEvent(String file, String key) {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/" + file);
        Map<String, String> headers = new HashMap<>(event.getHeaders());
        headers.remove("authorization");
        if (key != null) {
            headers.put("authorization", "Bearer " + key);
        }
        event.setHeaders(headers);
        return event;
    }

    /** The sample submit event with another body (plain text, not base64). */
    static APIGatewayV2HTTPEvent submitEvent(String key, String body) {
        APIGatewayV2HTTPEvent event = httpEvent("submit-job.json", key);
        event.setBody(body);
        event.setIsBase64Encoded(false);
        return event;
    }

    /** A sample event for {@code GET} or {@code DELETE /v1/jobs/{id}} aimed at another job id. */
    static APIGatewayV2HTTPEvent jobEvent(String file, String key, String jobId) {
        APIGatewayV2HTTPEvent event = httpEvent(file, key);
        event.setPathParameters(Map.of("id", jobId));
        event.setRawPath("/v1/jobs/" + jobId);
        return event;
    }

    /** The SQS event Lambda would deliver for the envelopes sent so far: one record each, ids m-0, m-1, ... */
    SQSEvent sqsEventOfSent() {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (RecordingJobQueue.Sent sent : queue.sent()) {
            records.add(sqsMessage("m-" + records.size(), sent.envelope().toJson()));
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    static SQSEvent.SQSMessage sqsMessage(String messageId, String body) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(messageId);
        message.setReceiptHandle("handle-" + messageId);
        message.setBody(body);
        message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        message.setEventSource("aws:sqs");
        return message;
    }

    static JsonNode body(APIGatewayV2HTTPResponse response) {
        return Json.readTrusted(response.getBody());
    }

    // ------------------------------------------------------------------------------------------ table state

    /** The job as stored, read straight from the table (not through the code under test). */
    Job storedJob(String jobId) {
        return jobs.find(jobId).orElseThrow(() -> new AssertionError("no job " + jobId + " in the table"));
    }

    Map<String, AttributeValue> rawItem(String jobId) {
        return DYNAMO_DB.getItem(r -> r.tableName(JOBS_TABLE).key(Map.of("jobId", AttributeValue.fromS(jobId)))
                .consistentRead(true)).item();
    }

    List<Map<String, AttributeValue>> allJobItems() {
        return DYNAMO_DB.scan(r -> r.tableName(JOBS_TABLE).consistentRead(true)).items();
    }

    /** The jobs table as deployed: with the sparse index of dead-lettered jobs and the tenant index. */
    private static void recreateJobsTable() {
        try {
            DYNAMO_DB.deleteTable(r -> r.tableName(JOBS_TABLE));
        } catch (ResourceNotFoundException e) {
            // first use in this JVM
        }
        List<AttributeDefinition> attributes = new ArrayList<>(DeadLetterIndex.attributeDefinitions());
        attributes.addAll(TenantIndex.attributeDefinitions());
        attributes.addAll(dev.ebb.core.job.QueuedIndex.attributeDefinitions());
        attributes.add(AttributeDefinition.builder().attributeName("jobId").attributeType(ScalarAttributeType.S).build());
        DYNAMO_DB.createTable(r -> r.tableName(JOBS_TABLE)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attributes)
                .keySchema(k -> k.attributeName("jobId").keyType(KeyType.HASH))
                .globalSecondaryIndexes(DeadLetterIndex.definition(), TenantIndex.definition(),
                        dev.ebb.core.job.QueuedIndex.definition()));
        DYNAMO_DB.waiter().waitUntilTableExists(r -> r.tableName(JOBS_TABLE));
    }

    private static void recreateTable(String name, String hashKey) {
        try {
            DYNAMO_DB.deleteTable(r -> r.tableName(name));
        } catch (ResourceNotFoundException e) {
            // first use in this JVM
        }
        DYNAMO_DB.createTable(r -> r.tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName(hashKey).attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName(hashKey).keyType(KeyType.HASH)));
        DYNAMO_DB.waiter().waitUntilTableExists(r -> r.tableName(name));
    }
}
