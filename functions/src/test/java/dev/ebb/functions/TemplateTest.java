package dev.ebb.functions;

import dev.ebb.core.upload.UploadKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ebb.core.admission.LaneAvailability;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Settings;
import dev.ebb.core.task.chat.ChatSettings;
import dev.ebb.core.job.DeadLetterIndex;
import dev.ebb.core.job.TenantIndex;
import dev.ebb.core.scale.ScalingSettings;
import dev.ebb.core.task.Lane;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps template.yaml and events/ honest without the SAM CLI (which cannot run here): the template parses as
 * plain YAML, every handler exists, the queue and table settings the design relies on are there, and the
 * environment names are the ones {@link Settings} reads.
 */
class TemplateTest {
    private static final Path TEMPLATE = Path.of("template.yaml");
    private static final Path EVENTS = Path.of("events");
    private static final Path TEST_SOURCES = Path.of("functions", "src", "test", "java");
    private static final int FOURTEEN_DAYS = 14 * 24 * 3600;

    private static JsonNode template;
    private static JsonNode resources;

    @BeforeAll
    static void parse() throws IOException {
        // A key written twice (say, two Environment blocks) would silently keep only the last: refuse it.
        template = new ObjectMapper(new YAMLFactory())
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .readTree(TEMPLATE.toFile());
        resources = template.path("Resources");
    }

    @Test
    void template_isSamWithLongFormIntrinsicsOnly() throws IOException {
        assertThat(template.path("Transform").asText()).isEqualTo("AWS::Serverless-2016-10-31");
        assertThat(Files.readString(TEMPLATE)).doesNotContainPattern("![A-Z][A-Za-z]+");
    }

    @Test
    void everyFunctionHandler_namesARequestHandlerClassThatExists() throws Exception {
        Map<String, JsonNode> functions = ofType("AWS::Serverless::Function");
        assertThat(functions).containsOnlyKeys("SubmitJobFunction", "GetJobFunction", "CancelJobFunction",
                "ListJobsFunction", "CreateUploadFunction",
                "QueueWorkerFunction", "UploadFunction", "DeadLetterFunction", "RedriveFunction",
                "ScalerFunction", "SessionsFunction", "ChatWorkerFunction", "UsageFunction");
        for (Map.Entry<String, JsonNode> function : functions.entrySet()) {
            String handler = function.getValue().at("/Properties/Handler").asText();
            assertThat(handler).as(function.getKey()).matches("[\\w.]+::handleRequest");
            Class<?> type = Class.forName(handler.substring(0, handler.indexOf("::")));
            assertThat(RequestHandler.class).as(handler).isAssignableFrom(type);
            assertThat(Modifier.isPublic(type.getModifiers())).as(handler + " is public").isTrue();
            assertThat(type.getConstructor()).as(handler + " has a public no-argument constructor").isNotNull();
            Method handle = Stream.of(type.getMethods())
                    .filter(m -> m.getName().equals("handleRequest") && !m.isBridge())
                    .findFirst().orElseThrow(() -> new AssertionError(handler + " has no handleRequest"));
            assertThat(handle.getParameterTypes()).hasSize(2);
            assertThat(handle.getParameterTypes()[1]).isEqualTo(Context.class);
        }
    }

    @Test
    void httpRoutes_matchTheApiContract() {
        Map<String, String> routes = new TreeMap<>();
        ofType("AWS::Serverless::Function").forEach((name, function) ->
                function.at("/Properties/Events").forEach(event -> {
                    if (event.path("Type").asText().equals("HttpApi")) {
                        JsonNode props = event.path("Properties");
                        assertThat(props.at("/ApiId/Ref").asText()).isEqualTo("EbbHttpApi");
                        routes.put(props.path("Method").asText() + " " + props.path("Path").asText(), name);
                    }
                }));

        assertThat(routes).containsExactlyInAnyOrderEntriesOf(Map.of(
                "POST /v1/jobs", "SubmitJobFunction",
                "GET /v1/jobs/{id}", "GetJobFunction",
                "GET /v1/jobs", "ListJobsFunction",
                "POST /v1/uploads", "CreateUploadFunction",
                "DELETE /v1/jobs/{id}", "CancelJobFunction",
                "POST /v1/sessions/{id}/messages", "SessionsFunction",
                "GET /v1/sessions/{id}", "SessionsFunction",
                "DELETE /v1/sessions/{id}", "SessionsFunction",
                "GET /v1/usage", "UsageFunction"));
        assertThat(resources.at("/EbbHttpApi/Type").asText()).isEqualTo("AWS::Serverless::HttpApi");
    }

    @Test
    void queueWorker_readsTheCpuQueueInBatchesWithPartialFailures() {
        JsonNode worker = resources.path("QueueWorkerFunction");
        JsonNode sqsEvents = worker.at("/Properties/Events");
        List<JsonNode> sqs = new ArrayList<>();
        sqsEvents.forEach(e -> {
            if (e.path("Type").asText().equals("SQS")) {
                sqs.add(e.path("Properties"));
            }
        });
        assertThat(sqs).hasSize(1);
        JsonNode source = sqs.get(0);
        assertThat(source.at("/Queue/Fn::GetAtt").get(0).asText()).isEqualTo("CpuQueue");
        assertThat(source.path("BatchSize").asInt()).isEqualTo(10);
        assertThat(source.has("MaximumBatchingWindowInSeconds")).isTrue();
        assertThat(texts(source.path("FunctionResponseTypes"))).contains("ReportBatchItemFailures");

        int timeout = worker.at("/Properties/Timeout").asInt(template.at("/Globals/Function/Timeout").asInt());
        assertThat(resources.at("/CpuQueue/Properties/VisibilityTimeout").asInt()).isEqualTo(6 * timeout);
        // The lease outlives a run of the function but not the visibility timeout (see Settings.lease).
        int lease = environment("QueueWorkerFunction").path(Settings.LEASE_SECONDS).asInt(50);
        assertThat(lease).isGreaterThan(timeout).isLessThan(6 * timeout);
    }

    @Test
    void uploadFunction_getsObjectCreatedEventsOfTheDataBucketUnderUploadsOnly() {
        List<JsonNode> s3 = new ArrayList<>();
        resources.at("/UploadFunction/Properties/Events").forEach(e -> {
            if (e.path("Type").asText().equals("S3")) {
                s3.add(e.path("Properties"));
            }
        });
        assertThat(s3).hasSize(1);
        JsonNode source = s3.get(0);
        assertThat(source.at("/Bucket/Ref").asText()).isEqualTo("DataBucket");
        assertThat(source.path("Events").asText()).isEqualTo("s3:ObjectCreated:*");
        JsonNode rule = source.at("/Filter/S3Key/Rules").get(0);
        assertThat(rule.path("Name").asText()).isEqualTo("prefix");
        assertThat(rule.path("Value").asText()).isEqualTo(UploadKey.PREFIX);
        // The function's bucket name and its read policy name the bucket exactly as the bucket names itself.
        String bucketName = resources.at("/DataBucket/Properties/BucketName/Fn::Sub").asText();
        assertThat(environment("UploadFunction").at("/" + UploadHandler.BUCKET + "/Fn::Sub").asText())
                .isEqualTo(bucketName);
        assertThat(policies("UploadFunction")).contains("Allow s3:GetObject,s3:GetObjectVersion arn:${AWS::Partition}"
                + ":s3:::" + bucketName + "/" + UploadKey.PREFIX + "*");
    }

    @Test
    void dataBucket_isEncryptedPrivateTlsOnlyAndExpiresUploads() {
        JsonNode props = resources.at("/DataBucket/Properties");
        assertThat(props.at("/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault"
                + "/SSEAlgorithm").asText()).isIn("AES256", "aws:kms");
        JsonNode block = props.path("PublicAccessBlockConfiguration");
        for (String flag : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
            assertThat(block.path(flag).asBoolean()).as(flag).isTrue();
        }
        List<String> prefixes = new ArrayList<>();
        props.at("/LifecycleConfiguration/Rules").forEach(r -> {
            if (r.has("ExpirationInDays")) {
                prefixes.add(r.path("Prefix").asText());
            }
        });
        assertThat(prefixes).contains(UploadKey.PREFIX);
        JsonNode policy = resources.path("DataBucketTlsOnly");
        assertThat(policy.at("/Properties/Bucket/Ref").asText()).isEqualTo("DataBucket");
        JsonNode deny = policy.at("/Properties/PolicyDocument/Statement/0");
        assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
        assertThat(deny.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
    }

    @Test
    void everyQueue_isEncryptedAndEveryMainQueueRedrivesToAnExistingDeadLetterQueue() {
        Map<String, JsonNode> queues = ofType("AWS::SQS::Queue");
        Set<String> deadLetterQueues = new HashSet<>();
        queues.values().forEach(q -> {
            JsonNode target = q.at("/Properties/RedrivePolicy/deadLetterTargetArn/Fn::GetAtt");
            if (target.isArray()) {
                deadLetterQueues.add(target.get(0).asText());
            }
        });
        assertThat(deadLetterQueues).containsExactlyInAnyOrder("GpuDeadLetterQueue", "CpuDeadLetterQueue",
                "LlmDeadLetterQueue");
        assertThat(queues).containsKeys("GpuQueue", "CpuQueue", "GpuDeadLetterQueue", "CpuDeadLetterQueue");

        queues.forEach((name, queue) -> {
            JsonNode props = queue.path("Properties");
            assertThat(props.path("SqsManagedSseEnabled").asBoolean()).as(name + " encrypted").isTrue();
            if (!deadLetterQueues.contains(name)) {
                JsonNode redrive = props.path("RedrivePolicy");
                assertThat(redrive.isObject()).as(name + " has a RedrivePolicy").isTrue();
                assertThat(queues).containsKey(redrive.at("/deadLetterTargetArn/Fn::GetAtt").get(0).asText());
                assertThat(redrive.at("/deadLetterTargetArn/Fn::GetAtt").get(1).asText()).isEqualTo("Arn");
                assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(50);
                assertThat(props.path("MessageRetentionPeriod").asInt()).as(name + " keeps messages as long as jobs")
                        .isEqualTo(FOURTEEN_DAYS);
            }
        });
    }

    /** Each dead-letter queue accepts only its own lane queue as a source (named, so there is no cycle). */
    @Test
    void deadLetterQueues_acceptRedrivesOnlyFromTheirOwnLaneQueue() {
        for (Deployment.LaneQueues lane : Deployment.LANES) {
            JsonNode source = resources.at("/" + lane.queue().id() + "/Properties/QueueName/Fn::Sub");
            assertThat(source.asText()).as(lane.lane().id()).isEqualTo("${AWS::StackName}-" + lane.lane().id()
                    + (lane.lane().fifo() ? ".fifo" : ""));
            assertThat(resources.at("/" + lane.queue().id() + "/Properties/FifoQueue").asBoolean())
                    .as(lane.lane().id()).isEqualTo(lane.queue().fifo());
            assertThat(resources.at("/" + lane.deadLetters().id() + "/Properties/FifoQueue").asBoolean())
                    .as(lane.lane().id()).isEqualTo(lane.deadLetters().fifo());
            JsonNode allow = resources.at("/" + lane.deadLetters().id() + "/Properties/RedriveAllowPolicy");
            assertThat(allow.path("redrivePermission").asText()).as(lane.lane().id()).isEqualTo("byQueue");
            assertThat(allow.path("sourceQueueArns").findValues("Fn::Sub").stream().map(JsonNode::asText).toList())
                    .containsExactly(
                    "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + source.asText());
        }
    }

    /** sam delete (and a replacing update) keeps the data: jobs, keys and the bucket are retained. */
    @Test
    void tablesAndBucket_areRetained() {
        for (String id : List.of("JobsTable", "KeysTable", "SessionsTable", "DataBucket")) {
            assertThat(resources.at("/" + id + "/DeletionPolicy").asText()).as(id).isEqualTo("Retain");
            assertThat(resources.at("/" + id + "/UpdateReplacePolicy").asText()).as(id).isEqualTo("Retain");
        }
    }

    /** An upload's idempotency key is its version id: the bucket must keep versions (and expire old ones). */
    @Test
    void dataBucket_isVersioned() {
        JsonNode props = resources.at("/DataBucket/Properties");
        assertThat(props.at("/VersioningConfiguration/Status").asText()).isEqualTo("Enabled");
        assertThat(props.at("/LifecycleConfiguration/Rules").findValues("NoncurrentVersionExpiration")).isNotEmpty();
    }

    /**
     * No gpu workers here: by default every function is told the gpu lane is unavailable (submit refuses embed and
     * classify), and the parameter that says otherwise is the only way to turn it on.
     */
    @Test
    void gpuLane_isUnavailableUnlessAParameterSaysWorkersConsumeIt() {
        JsonNode value = template.at("/Globals/Function/Environment/Variables/" + LaneAvailability.UNAVAILABLE_LANES
                + "/Fn::If");
        assertThat(value.get(0).asText()).isEqualTo("GpuLaneAvailable");
        assertThat(value.get(1).asText()).isEmpty();
        assertThat(LaneAvailability.fromEnv(Map.of(LaneAvailability.UNAVAILABLE_LANES, value.get(2).asText()))
                .unavailable()).containsExactly(Lane.GPU);
        assertThat(template.at("/Parameters/GpuLane/Default").asText()).isEqualTo("unavailable");
        assertThat(template.at("/Conditions/GpuLaneAvailable/Fn::Equals/1").asText()).isEqualTo("available");
    }

    @Test
    void everyTable_expiresItemsOnExpiresAtAndIsEncryptedAndRecoverable() {
        Map<String, JsonNode> tables = ofType("AWS::DynamoDB::Table");
        assertThat(tables).containsOnlyKeys("JobsTable", "KeysTable", "SessionsTable", "CacheTable", "TenantsTable");
        assertThat(hashKey(tables.get("SessionsTable"))).isEqualTo("sessionKey");
        assertThat(hashKey(tables.get("JobsTable"))).isEqualTo("jobId");
        assertThat(hashKey(tables.get("KeysTable"))).isEqualTo("keyHash");
        assertThat(hashKey(tables.get("CacheTable"))).isEqualTo("cacheKey");
        assertThat(hashKey(tables.get("TenantsTable"))).isEqualTo("tenant");
        tables.forEach((name, table) -> {
            JsonNode props = table.path("Properties");
            assertThat(props.at("/TimeToLiveSpecification/AttributeName").asText()).as(name).isEqualTo("expiresAt");
            assertThat(props.at("/TimeToLiveSpecification/Enabled").asBoolean()).as(name).isTrue();
            assertThat(props.at("/SSESpecification/SSEEnabled").asBoolean()).as(name).isTrue();
            assertThat(props.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean()).as(name)
                    .isTrue();
            assertThat(props.path("BillingMode").asText()).as(name).isEqualTo("PAY_PER_REQUEST");
        });
    }

    // ------------------------------------------------------------------ held to core's deployment catalogue

    @Test
    void tables_areExactlyTheCataloguesWithTheirKeysIndexesAndTtl() {
        Map<String, JsonNode> tables = ofType("AWS::DynamoDB::Table");
        assertThat(tables.keySet()).as("one <id>Table for each of core's Deployment.TABLES, no more")
                .containsExactlyInAnyOrderElementsOf(Deployment.TABLES.stream().map(t -> t.id() + "Table").toList());
        for (Deployment.TableSpec spec : Deployment.TABLES) {
            String id = spec.id() + "Table";
            JsonNode props = tables.get(id).path("Properties");
            assertThat(keySchema(props.path("KeySchema"))).as(id).containsExactly("HASH " + spec.hashKey());
            assertThat(props.at("/TimeToLiveSpecification/AttributeName").asText()).as(id)
                    .isEqualTo(spec.ttlAttribute());
            Map<String, String> types = new TreeMap<>();
            props.path("AttributeDefinitions").forEach(a ->
                    types.put(a.path("AttributeName").asText(), a.path("AttributeType").asText()));
            Map<String, String> expected = new TreeMap<>();
            spec.keyAttributes().forEach((name, type) -> expected.put(name, type.name()));
            assertThat(types).as(id + " attribute definitions").isEqualTo(expected);
            Map<String, List<String>> indexes = new TreeMap<>();
            props.path("GlobalSecondaryIndexes").forEach(i -> {
                assertThat(i.at("/Projection/ProjectionType").asText()).isEqualTo("KEYS_ONLY");
                indexes.put(i.path("IndexName").asText(), keySchema(i.path("KeySchema")));
            });
            Map<String, List<String>> expectedIndexes = new TreeMap<>();
            spec.indexes().forEach(i -> expectedIndexes.put(i.name(),
                    List.of("HASH " + i.hashKey().name(), "RANGE " + i.rangeKey().name())));
            assertThat(indexes).as(id + " indexes").isEqualTo(expectedIndexes);
        }
    }

    @Test
    void queues_areExactlyTheCataloguesForSam_andEachLaneRedrivesToItsOwnDeadLetterQueue() {
        Map<String, JsonNode> queues = ofType("AWS::SQS::Queue");
        assertThat(queues.keySet()).as("core's Deployment.queues(SAM), no more, no fewer")
                .containsExactlyInAnyOrderElementsOf(Deployment.queues(Deployment.Target.SAM).stream()
                        .map(Deployment.QueueSpec::id).toList());
        for (Deployment.LaneQueues lane : Deployment.LANES) {
            JsonNode redrive = queues.get(lane.queue().id()).at("/Properties/RedrivePolicy");
            assertThat(redrive.at("/deadLetterTargetArn/Fn::GetAtt/0").asText()).as(lane.lane().id())
                    .isEqualTo(lane.deadLetters().id());
            assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(Deployment.MAX_RECEIVE_COUNT);
            assertThat(environment("SubmitJobFunction").at("/" + lane.urlVariable().name() + "/Ref").asText())
                    .isEqualTo(lane.queue().id());
        }
    }

    /**
     * Every EBB_ variable a function is given is one of the catalogue's deployment variables, and every variable that
     * names a resource of the deployment is given to at least one function.
     */
    @Test
    void environment_isExactlyTheCataloguesVariables() {
        Set<String> set = new HashSet<>();
        ofType("AWS::Serverless::Function").keySet().forEach(f -> set.addAll(fieldNames(environment(f))));
        set.removeIf(name -> !name.startsWith("EBB_"));
        Set<String> deployable = new HashSet<>();
        Deployment.VARIABLES.stream().filter(v -> v.source() == Deployment.Source.RESOURCE
                || v.source() == Deployment.Source.SETTING).forEach(v -> deployable.add(v.name()));
        assertThat(deployable).as("variables the template sets that core's Deployment does not list as deployment "
                + "variables").containsAll(set);
        assertThat(set).as("every resource variable of core's Deployment")
                .containsAll(Deployment.variables(Deployment.Source.RESOURCE).stream()
                        .map(Deployment.Variable::name).toList());
        for (Deployment.TableSpec table : Deployment.TABLES) {
            // Each function that is told a table's name is told this template's table; the sessions table only
            // goes to the functions that use it.
            List<String> told = new ArrayList<>();
            for (String function : ofType("AWS::Serverless::Function").keySet()) {
                JsonNode ref = environment(function).path(table.nameVariable().name());
                if (!ref.isMissingNode()) {
                    assertThat(ref.path("Ref").asText()).as(function).isEqualTo(table.id() + "Table");
                    told.add(function);
                }
            }
            assertThat(told).as(table.id()).isNotEmpty();
        }
        assertThat(environment("SubmitJobFunction").at("/" + Settings.JOBS_TABLE + "/Ref").asText())
                .isEqualTo("JobsTable");
    }

    @Test
    void environmentVariables_areExactlyNamesThatSettingsReads() throws IllegalAccessException {
        Set<String> known = settingsNames();
        known.addAll(Set.of(UploadHandler.BUCKET));
        Set<String> required = Set.of(Settings.JOBS_TABLE, Settings.KEYS_TABLE, Settings.GPU_QUEUE_URL,
                Settings.CPU_QUEUE_URL);
        for (String function : ofType("AWS::Serverless::Function").keySet()) {
            Set<String> names = fieldNames(environment(function));
            assertThat(known).as("names Settings reads").containsAll(names);
            assertThat(names).as(function + " has what Settings.fromEnv requires").containsAll(required);
        }
        assertThat(environment("SubmitJobFunction").at("/" + Settings.CPU_QUEUE_URL + "/Ref").asText())
                .isEqualTo("CpuQueue");
        assertThat(environment("SubmitJobFunction").at("/" + Settings.JOBS_TABLE + "/Ref").asText())
                .isEqualTo("JobsTable");
    }

    @Test
    void policies_giveEachFunctionOnlyWhatItUses() {
        String inputs = "arn:${AWS::Partition}:s3:::"
                + resources.at("/DataBucket/Properties/BucketName/Fn::Sub").asText() + "/inputs/*";
        String results = inputs.replace("/inputs/*", "/results/*");
        String uploads = inputs.replace("/inputs/*", "/" + UploadKey.PREFIX + "*");
        // Every function that reads objects may list the bucket: without it S3 answers a missing key with 403.
        String list = "Allow s3:ListBucket " + inputs.replace("/inputs/*", "");
        assertThat(policies("SubmitJobFunction")).containsExactlyInAnyOrder(
                "DynamoDBCrudPolicy JobsTable", "DynamoDBReadPolicy KeysTable",
                "SQSSendMessagePolicy CpuQueue", "SQSSendMessagePolicy GpuQueue", "SQSSendMessagePolicy LlmQueue",
                "Allow dynamodb:GetItem,dynamodb:UpdateItem TenantsTable", "Allow dynamodb:GetItem CacheTable",
                "Allow sqs:GetQueueAttributes CpuQueue,GpuQueue,LlmQueue",
                "LambdaInvokePolicy ScalerFunction",
                "Allow s3:PutObject " + inputs);
        assertThat(policies("GetJobFunction")).containsExactlyInAnyOrder(
                "DynamoDBReadPolicy JobsTable", "DynamoDBReadPolicy KeysTable", "Allow s3:GetObject " + results, list);
        assertThat(policies("CancelJobFunction")).containsExactlyInAnyOrder(
                "DynamoDBCrudPolicy JobsTable", "DynamoDBReadPolicy KeysTable");
        assertThat(policies("QueueWorkerFunction")).containsExactlyInAnyOrder("DynamoDBCrudPolicy JobsTable",
                "Allow dynamodb:GetItem,dynamodb:UpdateItem TenantsTable", "Allow dynamodb:PutItem CacheTable",
                "Allow s3:GetObject " + inputs, "Allow s3:PutObject " + results, list);
        assertThat(policies("UploadFunction")).containsExactlyInAnyOrder("DynamoDBCrudPolicy JobsTable",
                "Allow dynamodb:GetItem,dynamodb:UpdateItem TenantsTable", "Allow dynamodb:GetItem CacheTable",
                "Allow sqs:GetQueueAttributes CpuQueue,GpuQueue,LlmQueue",
                "DynamoDBReadPolicy KeysTable",
                "SQSSendMessagePolicy CpuQueue", "SQSSendMessagePolicy GpuQueue", "SQSSendMessagePolicy LlmQueue",
                "Allow s3:GetObject,s3:GetObjectVersion " + uploads, list,
                "Allow s3:PutObject " + inputs);
        assertThat(policies("ListJobsFunction")).containsExactlyInAnyOrder(
                "Allow dynamodb:Query ${JobsTable.Arn}/index/" + TenantIndex.NAME,
                "Allow dynamodb:BatchGetItem JobsTable", "DynamoDBReadPolicy KeysTable");
        assertThat(policies("CreateUploadFunction")).containsExactlyInAnyOrder(
                "Allow s3:PutObject " + inputs.replace("/inputs/*", "/" + UploadKey.PREFIX + "*"),
                "DynamoDBReadPolicy KeysTable");
        assertThat(policies("UsageFunction")).containsExactlyInAnyOrder("DynamoDBReadPolicy KeysTable",
                "Allow dynamodb:GetItem TenantsTable");
        assertThat(policies("DeadLetterFunction")).containsExactly(
                "Allow dynamodb:GetItem,dynamodb:UpdateItem JobsTable");
        assertThat(policies("RedriveFunction")).containsExactlyInAnyOrder(
                "Allow dynamodb:Query ${JobsTable.Arn}/index/" + DeadLetterIndex.NAME,
                "Allow dynamodb:UpdateItem JobsTable",
                "SQSSendMessagePolicy CpuQueue", "SQSSendMessagePolicy GpuQueue", "SQSSendMessagePolicy LlmQueue");
        assertThat(policies("SessionsFunction")).containsExactlyInAnyOrder("DynamoDBCrudPolicy JobsTable",
                "DynamoDBReadPolicy KeysTable", "DynamoDBCrudPolicy SessionsTable", "SQSSendMessagePolicy LlmQueue",
                // Admission at submit, as for the submit function.
                "Allow dynamodb:GetItem,dynamodb:UpdateItem TenantsTable", "Allow dynamodb:GetItem CacheTable",
                "Allow sqs:GetQueueAttributes CpuQueue,GpuQueue,LlmQueue");
        assertThat(policies("ChatWorkerFunction")).containsExactlyInAnyOrder("DynamoDBCrudPolicy JobsTable",
                "DynamoDBCrudPolicy SessionsTable", "Allow sqs:ChangeMessageVisibility LlmQueue",
                // Admission's worker side, as for the queue worker.
                "Allow dynamodb:GetItem,dynamodb:UpdateItem TenantsTable", "Allow dynamodb:PutItem CacheTable",
                "Allow bedrock:InvokeModel,bedrock:InvokeModelWithResponseStream " + String.join(",",
                        allowedChatModels().stream().map(m -> "arn:${AWS::Partition}:bedrock:${AWS::Region}::"
                                + "foundation-model/" + m).toList()));
    }

    /** The models every function allows (the same everywhere), the default first. */
    private static List<String> allowedChatModels() {
        String model = template.at("/Globals/Function/Environment/Variables/" + ChatSettings.MODEL).asText();
        List<String> models = new ArrayList<>(List.of(model));
        for (String m : template.at("/Globals/Function/Environment/Variables/" + ChatSettings.MODELS).asText()
                .split(",")) {
            if (!models.contains(m)) {
                models.add(m);
            }
        }
        return models;
    }

    @Test
    void chatWorker_readsTheLlmFifoQueueOneTurnAtATime_cappedAt_theLlmConcurrency() {
        JsonNode worker = resources.path("ChatWorkerFunction");
        List<JsonNode> sqs = new ArrayList<>();
        worker.at("/Properties/Events").forEach(e -> {
            if (e.path("Type").asText().equals("SQS")) {
                sqs.add(e.path("Properties"));
            }
        });
        assertThat(sqs).hasSize(1);
        JsonNode source = sqs.get(0);
        assertThat(source.at("/Queue/Fn::GetAtt").get(0).asText()).isEqualTo("LlmQueue");
        assertThat(source.path("BatchSize").asInt()).isEqualTo(1);
        assertThat(source.has("MaximumBatchingWindowInSeconds")).as("not allowed on a FIFO queue").isFalse();
        assertThat(texts(source.path("FunctionResponseTypes"))).contains("ReportBatchItemFailures");
        assertThat(source.at("/ScalingConfig/MaximumConcurrency").asInt()).isEqualTo(Deployment.LLM_CONCURRENCY);
        assertThat(worker.at("/Properties/ReservedConcurrentExecutions").asInt()).isEqualTo(Deployment.LLM_CONCURRENCY);
        assertThat(resources.at("/LlmQueue/Properties/FifoQueue").asBoolean()).isTrue();
        int timeout = worker.at("/Properties/Timeout").asInt();
        int lease = environment("ChatWorkerFunction").path(Settings.LEASE_SECONDS).asInt(50);
        assertThat(timeout).isGreaterThan((int) dev.ebb.core.task.chat.ChatTask.CALL_LIMIT.toSeconds());
        assertThat(lease).isGreaterThan(timeout);
        assertThat(resources.at("/LlmQueue/Properties/VisibilityTimeout").asInt()).isGreaterThan(lease);
        assertThat(allowedChatModels()).containsExactlyElementsOf(Deployment.DEFAULT_CHAT_MODELS);
    }

    @Test
    void largeInputs_theFunctionsThatWriteOrReadThemKnowTheBucketAndItExpiresThem() {
        String bucket = resources.at("/DataBucket/Properties/BucketName/Fn::Sub").asText();
        for (String function : List.of("SubmitJobFunction", "QueueWorkerFunction", "UploadFunction",
                "GetJobFunction")) {
            assertThat(environment(function).at("/" + UploadHandler.BUCKET + "/Fn::Sub").asText()).as(function)
                    .isEqualTo(bucket);
        }
        List<String> expiring = new ArrayList<>();
        resources.at("/DataBucket/Properties/LifecycleConfiguration/Rules").forEach(rule -> {
            if (rule.has("ExpirationInDays")) {
                expiring.add(rule.path("Prefix").asText());
            }
        });
        assertThat(expiring).contains("inputs/", "results/");
    }

    @Test
    void deadLetters_bothDeadLetterQueuesFeedTheConsumerAndTheJobsTableHasTheSparseIndex() {
        JsonNode events = resources.at("/DeadLetterFunction/Properties/Events");
        List<String> queues = new ArrayList<>();
        events.forEach(e -> {
            assertThat(e.path("Type").asText()).isEqualTo("SQS");
            assertThat(texts(e.at("/Properties/FunctionResponseTypes"))).contains("ReportBatchItemFailures");
            queues.add(e.at("/Properties/Queue/Fn::GetAtt").get(0).asText());
        });
        assertThat(queues).containsExactlyInAnyOrder("GpuDeadLetterQueue", "CpuDeadLetterQueue", "LlmDeadLetterQueue");

        JsonNode index = resources.at("/JobsTable/Properties/GlobalSecondaryIndexes").get(0);
        assertThat(index.path("IndexName").asText()).isEqualTo(DeadLetterIndex.NAME);
        assertThat(index.at("/KeySchema/0/AttributeName").asText()).isEqualTo(DeadLetterIndex.LANE);
        assertThat(index.at("/KeySchema/0/KeyType").asText()).isEqualTo("HASH");
        assertThat(index.at("/KeySchema/1/AttributeName").asText()).isEqualTo(DeadLetterIndex.AT);
        assertThat(index.at("/KeySchema/1/KeyType").asText()).isEqualTo("RANGE");
        Map<String, String> types = new java.util.HashMap<>();
        resources.at("/JobsTable/Properties/AttributeDefinitions").forEach(a ->
                types.put(a.path("AttributeName").asText(), a.path("AttributeType").asText()));
        DeadLetterIndex.attributeDefinitions().forEach(a ->
                assertThat(types).containsEntry(a.attributeName(), a.attributeTypeAsString()));
    }

    @Test
    void jobsTable_hasTheKeysOnlyTenantIndexTheListReads() {
        JsonNode index = null;
        for (JsonNode i : resources.at("/JobsTable/Properties/GlobalSecondaryIndexes")) {
            if (i.path("IndexName").asText().equals(TenantIndex.NAME)) {
                index = i;
            }
        }
        assertThat(index).as(TenantIndex.NAME).isNotNull();
        assertThat(index.at("/KeySchema/0/AttributeName").asText()).isEqualTo(TenantIndex.TENANT);
        assertThat(index.at("/KeySchema/0/KeyType").asText()).isEqualTo("HASH");
        assertThat(index.at("/KeySchema/1/AttributeName").asText()).isEqualTo(TenantIndex.CREATED_AT);
        assertThat(index.at("/KeySchema/1/KeyType").asText()).isEqualTo("RANGE");
        assertThat(index.at("/Projection/ProjectionType").asText()).isEqualTo("KEYS_ONLY");
        Map<String, String> types = new java.util.HashMap<>();
        resources.at("/JobsTable/Properties/AttributeDefinitions").forEach(a ->
                types.put(a.path("AttributeName").asText(), a.path("AttributeType").asText()));
        TenantIndex.attributeDefinitions().forEach(a ->
                assertThat(types).containsEntry(a.attributeName(), a.attributeTypeAsString()));
    }

    @Test
    void scaler_runsEveryMinuteAloneWithOnlyTheActionsItCalls() {
        JsonNode scaler = resources.path("ScalerFunction");
        List<String> schedules = new ArrayList<>();
        scaler.at("/Properties/Events").forEach(e -> {
            if (e.path("Type").asText().equals("Schedule")) {
                schedules.add(e.at("/Properties/Schedule").asText());
            }
        });
        assertThat(schedules).containsExactly("rate(1 minute)");
        assertThat(scaler.at("/Properties/ReservedConcurrentExecutions").asInt()).isEqualTo(1);

        Map<String, String> actions = new TreeMap<>();
        scaler.at("/Properties/Policies").forEach(policy -> policy.path("Statement").forEach(statement -> {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            JsonNode resource = statement.path("Resource");
            statement.path("Action").forEach(action -> actions.put(action.asText(), resource.isTextual()
                    ? resource.asText() + " if " + statement.path("Condition").fieldNames().next()
                    : resource.toString()));
        }));
        assertThat(actions).containsOnlyKeys("sqs:GetQueueAttributes", "ecs:DescribeServices", "ecs:UpdateService",
                "ecs:ListTasks", "ecs:GetTaskProtection", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                "dynamodb:UpdateItem");
        // The reconciler of the scheduled run queries the sparse index of QUEUED jobs only, and sends to the lanes.
        assertThat(actions.get("dynamodb:Query")).contains("/index/" + dev.ebb.core.job.QueuedIndex.NAME)
                .doesNotContain("index/*");
        List<String> sendsTo = new ArrayList<>();
        scaler.at("/Properties/Policies").forEach(policy -> policy.at("/SQSSendMessagePolicy/QueueName/Fn::GetAtt")
                .forEach(part -> sendsTo.add(part.asText())));
        assertThat(sendsTo).contains("CpuQueue", "GpuQueue");
        assertThat(actions.get("sqs:GetQueueAttributes")).contains("GpuQueue");
        assertThat(actions.get("ecs:UpdateService")).contains(":service/${GpuClusterName}/${GpuServiceName}");
        assertThat(actions.get("ecs:ListTasks")).isEqualTo("* if ArnEquals");
        assertThat(actions.get("dynamodb:PutItem")).contains("JobsTable");
        assertThat(scaler.toString()).contains("scaler#gpu");
        assertThat(environment("SubmitJobFunction").at("/" + LambdaLaneWake.SCALER_FUNCTION + "/Ref").asText())
                .isEqualTo("ScalerFunction");
    }

    /** Every call a submit makes in a row ends (answered or timed out) before the function's own timeout. */
    @Test
    void submitFunction_sdkCallTimeoutsFitInsideItsLambdaTimeout() {
        int timeout = resources.at("/SubmitJobFunction/Properties/Timeout")
                .asInt(template.at("/Globals/Function/Timeout").asInt());
        assertThat(timeout).isEqualTo((int) Deployment.API_FUNCTION_TIMEOUT.toSeconds());
        assertThat(Deployment.SDK_CALL_TIMEOUT.multipliedBy(Deployment.SUBMIT_SEQUENTIAL_CALLS))
                .isLessThanOrEqualTo(java.time.Duration.ofSeconds(timeout));
        assertThat(java.time.Duration.ofSeconds(timeout)).as("the function answers before the gateway gives up")
                .isLessThan(Deployment.API_GATEWAY_INTEGRATION_LIMIT);
        assertThat(Deployment.SDK_ATTEMPT_TIMEOUT).isLessThanOrEqualTo(Deployment.SDK_CALL_TIMEOUT);
        try (var dynamoDb = DependencyFactory.clients(Map.of("AWS_REGION", "us-east-1",
                DependencyFactory.LAMBDA_FUNCTION_NAME, "SubmitJobFunction")).dynamoDb()) {
            var overrides = dynamoDb.serviceClientConfiguration().overrideConfiguration();
            assertThat(overrides.apiCallTimeout()).contains(Deployment.SDK_CALL_TIMEOUT);
            assertThat(overrides.apiCallAttemptTimeout()).contains(Deployment.SDK_ATTEMPT_TIMEOUT);
        }
        // Off Lambda (the local cloud) there is no function timeout to fit, and the longer budget stays.
        try (var dynamoDb = DependencyFactory.clients(Map.of("AWS_REGION", "us-east-1")).dynamoDb()) {
            assertThat(dynamoDb.serviceClientConfiguration().overrideConfiguration().apiCallTimeout())
                    .contains(DependencyFactory.HOST_CALL_TIMEOUT);
        }
    }

    @Test
    void globals_runJava21FromTheShadedJarWithSnapStart() {
        JsonNode globals = template.at("/Globals/Function");
        assertThat(globals.path("Runtime").asText()).isEqualTo("java21");
        assertThat(globals.path("CodeUri").asText()).matches("functions/target/ebb-functions-[^/]+-lambda\\.jar");
        assertThat(globals.at("/SnapStart/ApplyOn").asText()).isEqualTo("PublishedVersions");
        assertThat(globals.path("AutoPublishAlias").asText()).isNotBlank();
        assertThat(globals.path("Architectures").isArray()).isTrue();
    }

    @Test
    void everyRef_namesAResourceOrPseudoParameter() {
        Set<String> names = new HashSet<>(fieldNames(resources));
        template.path("Parameters").fieldNames().forEachRemaining(names::add);
        List<String> targets = new ArrayList<>();
        collectReferences(template, targets);
        assertThat(targets).isNotEmpty();
        assertThat(targets).allSatisfy(target ->
                assertThat(target.startsWith("AWS::") || names.contains(target)).as(target).isTrue());
        assertThat(template.path("Outputs")).isNotEmpty();
        assertThat(fieldNames(template.path("Outputs"))).contains("ApiUrl", "GpuQueueUrl", "CpuQueueUrl",
                "JobsTableName", "KeysTableName");
    }

    @Test
    void everySampleEvent_isUsedByATestAndMatchesAFunction() throws IOException {
        List<Path> events;
        try (Stream<Path> files = Files.list(EVENTS)) {
            events = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(events).extracting(f -> f.getFileName().toString()).contains(
                "submit-job.json", "get-job.json", "cancel-job.json", "queue-worker.json", "s3-upload.json");
        String testSources;
        try (Stream<Path> files = Files.walk(TEST_SOURCES)) {
            StringBuilder all = new StringBuilder();
            for (Path f : files.filter(f -> f.toString().endsWith(".java")
                    && !f.getFileName().toString().equals("TemplateTest.java")).toList()) {
                all.append(Files.readString(f));
            }
            testSources = all.toString();
        }
        Set<String> routes = new HashSet<>();
        ofType("AWS::Serverless::Function").values().forEach(f -> f.at("/Properties/Events").forEach(e -> {
            if (e.path("Type").asText().equals("HttpApi")) {
                routes.add(e.at("/Properties/Method").asText() + " " + e.at("/Properties/Path").asText());
            }
        }));
        ObjectMapper json = new ObjectMapper();
        for (Path event : events) {
            String name = event.getFileName().toString();
            assertThat(testSources).as(name + " is loaded by a test").contains(name + "\"");
            JsonNode content = json.readTree(event.toFile());
            if (content.has("lane")) {
                assertThat(name).as("direct-invoke event of the redrive function").isEqualTo("redrive.json");
                assertThat(content.path("lane").asText()).isIn("gpu", "cpu");
            } else if (content.has("routeKey")) {
                assertThat(content.path("version").asText()).as(name).isEqualTo("2.0");
                assertThat(routes).as(name + " routeKey").contains(content.path("routeKey").asText());
            } else if (content.at("/Records/0/eventSource").asText().equals("aws:s3")) {
                content.path("Records").forEach(r -> {
                    assertThat(r.path("eventName").asText()).as(name).startsWith("ObjectCreated:");
                    assertThat(r.at("/s3/object/key").asText()).as(name + " key")
                            .startsWith(s3KeyPrefixOf("UploadFunction"));
                });
            } else if (content.has("detail-type")) {
                assertThat(content.path("detail-type").asText()).as(name).isEqualTo("Scheduled Event");
                assertThat(content.path("source").asText()).as(name).isEqualTo("aws.events");
            } else {
                assertThat(content.path("Records")).as(name + " is an SQS event").isNotEmpty();
                content.path("Records").forEach(r ->
                        assertThat(r.path("eventSource").asText()).isEqualTo("aws:sqs"));
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** The key prefix of a function's S3 event source (there must be exactly one). */
    private static String s3KeyPrefixOf(String function) {
        List<String> prefixes = new ArrayList<>();
        resources.at("/" + function + "/Properties/Events").forEach(e -> {
            if (e.path("Type").asText().equals("S3")) {
                e.at("/Properties/Filter/S3Key/Rules").forEach(r -> {
                    if (r.path("Name").asText().equals("prefix")) {
                        prefixes.add(r.path("Value").asText());
                    }
                });
            }
        });
        assertThat(prefixes).as(function + " S3 key prefix").hasSize(1);
        return prefixes.get(0);
    }

    private static Map<String, JsonNode> ofType(String type) {
        Map<String, JsonNode> found = new TreeMap<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                found.put(e.getKey(), e.getValue());
            }
        });
        return found;
    }

    /** A function's environment as deployed: the Globals' variables overlaid with its own. */
    private static JsonNode environment(String function) {
        ObjectNode merged = ((ObjectNode) template.at("/Globals/Function/Environment/Variables")).deepCopy();
        JsonNode own = resources.at("/" + function + "/Properties/Environment/Variables");
        if (own.isObject()) {
            merged.setAll((ObjectNode) own);
        }
        return merged;
    }

    /** Each SAM policy template as "PolicyName ResourceLogicalId". */
    private static List<String> policies(String function) {
        List<String> found = new ArrayList<>();
        resources.at("/" + function + "/Properties/Policies").forEach(policy -> policy.fields().forEachRemaining(p -> {
            if (p.getKey().equals("Statement")) {
                // An inline statement: "Allow action,action resource,resource".
                p.getValue().forEach(statement -> {
                    List<String> targets = new ArrayList<>();
                    statement.path("Resource").forEach(r -> targets.add(r.has("Fn::Sub") ? r.path("Fn::Sub").asText()
                            : r.path("Fn::GetAtt").get(0).asText()));
                    found.add(statement.path("Effect").asText() + " " + String.join(",", texts(statement.path("Action")))
                            + " " + String.join(",", targets));
                });
                return;
            }
            JsonNode target = p.getValue().elements().next();
            String logicalId = target.has("Ref") ? target.path("Ref").asText()
                    : target.has("Fn::Sub") ? target.path("Fn::Sub").asText()
                    : target.path("Fn::GetAtt").get(0).asText();
            found.add(p.getKey() + " " + logicalId);
        }));
        return found;
    }

    private static Set<String> settingsNames() throws IllegalAccessException {
        Set<String> names = new HashSet<>();
        // Settings, and the scaler's own: the policy's EBB_SCALE_*, its ECS service, the submit function's wake.
        for (Class<?> reader : List.of(Settings.class, ScalingSettings.class, EcsLaneScaler.class, LambdaLaneWake.class,
                LaneAvailability.class, ChatSettings.class, dev.ebb.core.config.AdmissionSettings.class)) {
            for (Field field : reader.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                    names.add((String) field.get(null));
                }
            }
        }
        assertThat(names).contains("EBB_JOBS_TABLE", "EBB_CPU_QUEUE_URL");
        return names;
    }

    private static String hashKey(JsonNode table) {
        for (JsonNode key : table.at("/Properties/KeySchema")) {
            if (key.path("KeyType").asText().equals("HASH")) {
                return key.path("AttributeName").asText();
            }
        }
        throw new AssertionError("no hash key");
    }

    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9:]+)(?:\\.[A-Za-z]+)?}");

    private static void collectReferences(JsonNode node, List<String> targets) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                switch (field.getKey()) {
                    case "Ref" -> targets.add(field.getValue().asText());
                    case "Fn::GetAtt" -> targets.add(field.getValue().get(0).asText());
                    case "Fn::Sub" -> {
                        Matcher m = SUB_VARIABLE.matcher(field.getValue().asText());
                        while (m.find()) {
                            targets.add(m.group(1));
                        }
                    }
                    default -> collectReferences(field.getValue(), targets);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectReferences(child, targets));
        }
    }

    private static List<String> keySchema(JsonNode schema) {
        List<String> keys = new ArrayList<>();
        schema.forEach(k -> keys.add(k.path("KeyType").asText() + " " + k.path("AttributeName").asText()));
        return keys;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
