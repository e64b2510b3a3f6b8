package dev.ebb.infra;

import static dev.ebb.infra.Synthesized.TEMPLATE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ebb.core.config.Deployment;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/** The synthesized template, resource by resource: the properties the design relies on. */
class EbbStackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode resources;

    @BeforeAll
    static void synthesize() {
        resources = JSON.valueToTree(TEMPLATE.toJSON()).path("Resources");
    }

    // ------------------------------------------------------------------------------------------ tables

    @Test
    void tables_areExactlyTheCataloguesWithTheirKeysIndexesAndTtl() {
        Map<String, JsonNode> tables = ofType("AWS::DynamoDB::Table");
        Map<String, Deployment.TableSpec> byId = new TreeMap<>();
        tables.keySet().forEach(id -> byId.put(id, Deployment.TABLES.stream()
                .filter(spec -> stem(id).equals("Tables" + spec.id())).findFirst()
                .orElseThrow(() -> new AssertionError(id + " is a table that core's Deployment.TABLES does not name"))));
        assertThat(byId.values()).as("one table for each of Deployment.TABLES, no more")
                .containsExactlyInAnyOrderElementsOf(Deployment.TABLES);
        byId.forEach((id, spec) -> {
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
        });
    }

    @Test
    void tables_haveTtlPointInTimeRecoveryEncryptionAndOnDemandBillingAndSurviveTheStack() {
        Map<String, JsonNode> tables = ofType("AWS::DynamoDB::Table");
        assertThat(tables).isNotEmpty();
        tables.forEach((id, table) -> {
            JsonNode props = table.path("Properties");
            assertThat(props.at("/TimeToLiveSpecification/Enabled").asBoolean()).as(id).isTrue();
            assertThat(props.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean()).as(id)
                    .isTrue();
            assertThat(props.at("/SSESpecification/SSEEnabled").asBoolean()).as(id).isTrue();
            assertThat(props.path("BillingMode").asText()).as(id).isEqualTo("PAY_PER_REQUEST");
            assertThat(table.path("DeletionPolicy").asText()).as(id + " survives stack deletion").isEqualTo("Retain");
        });
        assertThat(hashKey(tables, "TablesJobs")).isEqualTo("jobId");
        assertThat(hashKey(tables, "TablesKeys")).isEqualTo("keyHash");
    }

    @Test
    void queues_areExactlyTheCataloguesForTheStack_andEachLaneRedrivesToItsOwnDeadLetterQueue() {
        Map<String, JsonNode> queues = ofType("AWS::SQS::Queue");
        Map<Deployment.QueueSpec, String> ids = new java.util.HashMap<>();
        queues.keySet().forEach(id -> {
            List<Deployment.QueueSpec> specs = Deployment.QUEUES.stream()
                    .filter(spec -> stem(id).endsWith(spec.id())).toList();
            assertThat(specs).as(id + " is a queue that core's Deployment.QUEUES names once").hasSize(1);
            assertThat(ids.put(specs.get(0), id)).as("a second queue for " + specs.get(0).id()).isNull();
        });
        assertThat(ids.keySet()).as("Deployment.queues(CDK), no more, no fewer")
                .containsExactlyInAnyOrderElementsOf(Deployment.queues(Deployment.Target.CDK));
        for (Deployment.LaneQueues lane : Deployment.LANES) {
            JsonNode redrive = queues.get(ids.get(lane.queue())).at("/Properties/RedrivePolicy");
            assertThat(redrive.at("/deadLetterTargetArn/Fn::GetAtt/0").asText()).as(lane.lane().id())
                    .isEqualTo(ids.get(lane.deadLetters()));
            assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(Deployment.MAX_RECEIVE_COUNT);
        }
    }

    /**
     * Every EBB_ variable a function or the worker container is given is one of the catalogue's deployment
     * variables, and every variable that names a resource of the deployment is given to at least one of them.
     */
    @Test
    void environment_isExactlyTheCataloguesVariables() {
        Set<String> set = new HashSet<>();
        appFunctions().values().forEach(fn -> fn.at("/Properties/Environment/Variables").fieldNames()
                .forEachRemaining(set::add));
        single("AWS::ECS::TaskDefinition").at("/Properties/ContainerDefinitions/0/Environment")
                .forEach(e -> set.add(e.path("Name").asText()));
        set.removeIf(name -> !name.startsWith("EBB_"));
        Set<String> deployable = new HashSet<>();
        Deployment.VARIABLES.stream().filter(v -> v.source() == Deployment.Source.RESOURCE
                || v.source() == Deployment.Source.SETTING).forEach(v -> deployable.add(v.name()));
        assertThat(deployable).as("variables the stack sets that core's Deployment does not list as deployment "
                + "variables").containsAll(set);
        assertThat(set).as("every resource variable of core's Deployment")
                .containsAll(Deployment.variables(Deployment.Source.RESOURCE).stream()
                        .map(Deployment.Variable::name).toList());
    }

    private static List<String> keySchema(JsonNode schema) {
        List<String> keys = new ArrayList<>();
        schema.forEach(k -> keys.add(k.path("KeyType").asText() + " " + k.path("AttributeName").asText()));
        return keys;
    }

    /** A logical id without the 8-character hash CDK appends. */
    private static String stem(String logicalId) {
        return logicalId.replaceAll("[0-9A-F]{8}$", "");
    }

    // ------------------------------------------------------------------------------------------ queues

    @Test
    void laneQueues_areEncryptedAndRedriveToTheirOwnDeadLetterQueueAfterFiveReceives() {
        Map<String, JsonNode> queues = ofType("AWS::SQS::Queue");
        for (String lane : List.of("Gpu", "Cpu", "Llm")) {
            String main = only(queues, "Queues" + lane + "Queue");
            String dlq = only(queues, "Queues" + lane + "DeadLetterQueue");
            JsonNode redrive = queues.get(main).at("/Properties/RedrivePolicy");
            assertThat(redrive.at("/deadLetterTargetArn/Fn::GetAtt/0").asText()).as(lane).isEqualTo(dlq);
            assertThat(redrive.at("/deadLetterTargetArn/Fn::GetAtt/1").asText()).isEqualTo("Arn");
            assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(50);
            assertThat(queues.get(dlq).at("/Properties/RedrivePolicy").isMissingNode()).isTrue();
        }
        queues.forEach((id, queue) -> {
            assertThat(queue.at("/Properties/SqsManagedSseEnabled").asBoolean()).as(id + " encrypted").isTrue();
            assertThat(queue.at("/Properties/MessageRetentionPeriod").asInt()).as(id).isEqualTo(14 * 24 * 3600);
        });
        // enforceSsl: every queue has a policy denying plain HTTP.
        assertThat(ofType("AWS::SQS::QueuePolicy").values()).allSatisfy(policy ->
                assertThat(policy.toString()).contains("aws:SecureTransport"));
        assertThat(ofType("AWS::SQS::QueuePolicy")).hasSize(queues.size());
    }

    @Test
    void cpuQueue_visibilityTimeoutIsSixTimesTheQueueWorkersTimeout() {
        JsonNode worker = function("QueueWorkerHandler");
        int timeout = worker.at("/Properties/Timeout").asInt();
        String cpu = only(ofType("AWS::SQS::Queue"), "QueuesCpuQueue");

        assertThat(timeout).isEqualTo(30);
        assertThat(resources.at("/" + cpu + "/Properties/VisibilityTimeout").asInt()).isEqualTo(6 * timeout);
    }

    // ------------------------------------------------------------------------------------------ functions

    @Test
    void functions_areTheAgreedHandlersOnJava21WithSnapStartFromTheLambdaJar() throws Exception {
        Set<String> handlers = new HashSet<>();
        appFunctions().forEach((id, fn) -> {
            JsonNode props = fn.path("Properties");
            handlers.add(props.path("Handler").asText());
            assertThat(props.path("Runtime").asText()).as(id).isEqualTo("java21");
            assertThat(props.at("/SnapStart/ApplyOn").asText()).as(id).isEqualTo("PublishedVersions");
            assertThat(props.path("Timeout").asInt()).as(id).isBetween(1, 900);
            assertThat(props.path("MemorySize").asInt()).as(id).isGreaterThanOrEqualTo(512);
            assertThat(props.at("/Code/S3Key").toString()).as(id + " code is the -lambda.jar asset").contains(".jar");
            JsonNode env = props.at("/Environment/Variables");
            for (String name : List.of(EbbStack.JOBS_TABLE, EbbStack.KEYS_TABLE, EbbStack.GPU_QUEUE_URL,
                    EbbStack.CPU_QUEUE_URL, Functions.BUCKET)) {
                assertThat(env.has(name)).as(id + " has " + name).isTrue();
            }
        });
        assertThat(handlers).containsExactlyInAnyOrder(
                "dev.ebb.functions.SubmitJobHandler::handleRequest",
                "dev.ebb.functions.GetJobHandler::handleRequest",
                "dev.ebb.functions.CancelJobHandler::handleRequest",
                "dev.ebb.functions.ListJobsHandler::handleRequest",
                "dev.ebb.functions.CreateUploadHandler::handleRequest",
                "dev.ebb.functions.UsageHandler::handleRequest",
                "dev.ebb.functions.QueueWorkerHandler::handleRequest",
                "dev.ebb.functions.UploadHandler::handleRequest",
                "dev.ebb.functions.DeadLetterHandler::handleRequest",
                "dev.ebb.functions.RedriveHandler::handleRequest",
                "dev.ebb.functions.ScalerHandler::handleRequest",
                "dev.ebb.functions.SessionsHandler::handleRequest",
                "dev.ebb.functions.ChatWorkerHandler::handleRequest");
        // Each handler that exists in the deployed jar must be a Lambda RequestHandler with a public no-argument
        // constructor, loaded from that jar (the Lambda runtime sees nothing else).
        int found = 0;
        try (URLClassLoader jar = new URLClassLoader(new URL[] {Synthesized.SETTINGS.functionsJar().toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> requestHandler = jar.loadClass("com.amazonaws.services.lambda.runtime.RequestHandler");
            for (String handler : handlers) {
                Class<?> type;
                try {
                    type = jar.loadClass(handler.substring(0, handler.indexOf("::")));
                } catch (ClassNotFoundException e) {
                    continue; // written on another branch (DeadLetter, Redrive, Scaler); checked once merged
                }
                found++;
                assertThat(requestHandler).as(handler).isAssignableFrom(type);
                assertThat(type.getConstructor()).as(handler).isNotNull();
            }
        }
        assertThat(found).as("handler classes in the -lambda.jar").isGreaterThanOrEqualTo(5);
    }

    @Test
    void everyTriggerPointsAtTheLiveAlias_soSnapStartServesIt() {
        Map<String, JsonNode> aliases = ofType("AWS::Lambda::Alias");
        assertThat(aliases).hasSize(13); // one per function
        aliases.values().forEach(a -> assertThat(a.at("/Properties/Name").asText()).isEqualTo("live"));
        ofType("AWS::Lambda::EventSourceMapping").forEach((id, mapping) ->
                assertThat(mapping.at("/Properties/FunctionName").toString()).as(id).contains(":live"));
        ofType("AWS::ApiGatewayV2::Integration").forEach((id, integration) ->
                assertThat(aliases).as(id).containsKey(integration.at("/Properties/IntegrationUri/Ref").asText()));
    }

    @Test
    void queueWorker_consumesTheCpuQueueInBatchesWithPartialFailures() {
        JsonNode mapping = mappingOf(only(ofType("AWS::SQS::Queue"), "QueuesCpuQueue"));

        assertThat(aliasTarget(mapping)).isEqualTo(logicalId(function("QueueWorkerHandler")));
        assertThat(mapping.at("/Properties/FunctionResponseTypes/0").asText()).isEqualTo("ReportBatchItemFailures");
        assertThat(mapping.at("/Properties/BatchSize").asInt()).isEqualTo(10);
    }

    @Test
    void deadLetterFunction_consumesBothDeadLetterQueues() {
        Map<String, JsonNode> queues = ofType("AWS::SQS::Queue");
        for (String lane : List.of("Gpu", "Cpu", "Llm")) {
            JsonNode mapping = mappingOf(only(queues, "Queues" + lane + "DeadLetterQueue"));
            assertThat(aliasTarget(mapping)).as(lane).isEqualTo(logicalId(function("DeadLetterHandler")));
            assertThat(mapping.at("/Properties/FunctionResponseTypes/0").asText()).isEqualTo("ReportBatchItemFailures");
        }
        // The cpu queue's, the llm queue's and the three dead-letter queues'.
        assertThat(ofType("AWS::Lambda::EventSourceMapping")).hasSize(5);
    }

    @Test
    void chatWorker_consumesTheLlmFifoQueueOneTurnAtATime_cappedAtTheLlmConcurrency_andMayInvokeOnlyTheAllowedModels() {
        String llm = only(ofType("AWS::SQS::Queue"), "QueuesLlmQueue");
        assertThat(resources.at("/" + llm + "/Properties/FifoQueue").asBoolean()).isTrue();
        assertThat(resources.at("/" + llm + "/Properties/ContentBasedDeduplication").asBoolean()).isFalse();
        assertThat(resources.at("/" + llm + "/Properties/QueueName").asText()).endsWith("-llm.fifo");
        assertThat(resources.at("/" + only(ofType("AWS::SQS::Queue"), "QueuesLlmDeadLetterQueue")
                + "/Properties/FifoQueue").asBoolean()).isTrue();
        JsonNode mapping = mappingOf(llm);
        JsonNode worker = function("ChatWorkerHandler");
        assertThat(aliasTarget(mapping)).isEqualTo(logicalId(worker));
        assertThat(mapping.at("/Properties/BatchSize").asInt()).isEqualTo(1);
        assertThat(mapping.at("/Properties/ScalingConfig/MaximumConcurrency").asInt())
                .isEqualTo(Deployment.LLM_CONCURRENCY);
        assertThat(mapping.at("/Properties/FunctionResponseTypes/0").asText()).isEqualTo("ReportBatchItemFailures");
        assertThat(worker.at("/Properties/ReservedConcurrentExecutions").asInt()).isEqualTo(Deployment.LLM_CONCURRENCY);
        int timeout = worker.at("/Properties/Timeout").asInt();
        int lease = worker.at("/Properties/Environment/Variables/" + Functions.LEASE_SECONDS).asInt();
        assertThat(timeout).isGreaterThan(80);
        assertThat(lease).isGreaterThan(timeout);
        assertThat(resources.at("/" + llm + "/Properties/VisibilityTimeout").asInt()).isGreaterThan(lease);

        List<String> bedrock = new ArrayList<>();
        ofType("AWS::IAM::Policy").values().forEach(policy -> policy.at("/Properties/PolicyDocument/Statement")
                .forEach(statement -> {
                    if (statement.toString().contains("bedrock:")) {
                        bedrock.add(statement.toString());
                        assertThat(texts(statement.path("Action"))).containsExactlyInAnyOrder("bedrock:InvokeModel",
                                "bedrock:InvokeModelWithResponseStream");
                        assertThat(statement.toString()).doesNotContain("*");
                        for (String model : Deployment.DEFAULT_CHAT_MODELS) {
                            assertThat(statement.toString()).contains(":foundation-model/" + model);
                        }
                    }
                }));
        assertThat(bedrock).as("one statement, the chat worker's").hasSize(1);
        JsonNode env = worker.at("/Properties/Environment/Variables");
        assertThat(env.path(Deployment.CHAT_MODELS.name()).asText())
                .isEqualTo(String.join(",", Deployment.DEFAULT_CHAT_MODELS));
    }

    @Test
    void redrive_hasNoTrigger_andScalerRunsEveryMinute() {
        String redrive = logicalId(function("RedriveHandler"));
        String scaler = logicalId(function("ScalerHandler"));
        ofType("AWS::Lambda::EventSourceMapping").values()
                .forEach(m -> assertThat(aliasTarget(m)).isNotEqualTo(redrive));
        List<JsonNode> rules = new ArrayList<>(ofType("AWS::Events::Rule").values());

        assertThat(rules).hasSize(1);
        assertThat(rules.get(0).at("/Properties/ScheduleExpression").asText()).isEqualTo("rate(1 minute)");
        assertThat(aliasOwner(rules.get(0).at("/Properties/Targets/0/Arn/Ref").asText())).isEqualTo(scaler);
        assertThat(rules.get(0).toString()).doesNotContain(redrive);
    }

    @Test
    void uploadFunction_getsObjectCreatedEventsUnderUploadsOfTheDataBucket() {
        List<JsonNode> notifications = new ArrayList<>(ofType("Custom::S3BucketNotifications").values());
        assertThat(notifications).hasSize(1);
        JsonNode config = notifications.get(0).at("/Properties/NotificationConfiguration/LambdaFunctionConfigurations/0");

        assertThat(config.path("Events").get(0).asText()).isEqualTo("s3:ObjectCreated:*");
        assertThat(config.at("/Filter/Key/FilterRules/0/Name").asText()).isEqualToIgnoringCase("prefix");
        assertThat(config.at("/Filter/Key/FilterRules/0/Value").asText()).isEqualTo("uploads/");
        assertThat(aliasOwner(config.at("/LambdaFunctionArn/Ref").asText()))
                .isEqualTo(logicalId(function("UploadHandler")));
        assertThat(notifications.get(0).at("/Properties/BucketName/Ref").asText()).startsWith("DataBucket");
        // Events that still fail after Lambda's two retries are kept, not dropped.
        JsonNode upload = function("UploadHandler");
        assertThat(upload.at("/Properties/DeadLetterConfig/TargetArn/Fn::GetAtt/0").asText())
                .startsWith("FunctionsUploadFailures");
    }

    @Test
    void submit_mayInvokeTheScaler_andTheScalerMayDriveOnlyTheWorkerService() {
        String submitRole = function("SubmitJobHandler").at("/Properties/Role/Fn::GetAtt/0").asText();
        String scalerRole = function("ScalerHandler").at("/Properties/Role/Fn::GetAtt/0").asText();

        assertThat(actionsOf(submitRole)).contains("lambda:InvokeFunction");
        assertThat(aliasOwner(function("SubmitJobHandler").at("/Properties/Environment/Variables/"
                + Functions.SCALER_FUNCTION + "/Ref").asText())).isEqualTo(logicalId(function("ScalerHandler")));
        assertThat(actionsOf(scalerRole)).contains("ecs:DescribeServices", "ecs:UpdateService", "ecs:GetTaskProtection",
                "sqs:GetQueueAttributes", "sqs:SendMessage").doesNotContain("sqs:ReceiveMessage", "sqs:DeleteMessage");
        JsonNode scalerEnv = function("ScalerHandler").at("/Properties/Environment/Variables");
        assertThat(scalerEnv.has(Functions.ECS_CLUSTER)).isTrue();
        assertThat(scalerEnv.has(Functions.ECS_SERVICE)).isTrue();
    }

    @Test
    void largeInputs_submitAndUploadPutThemQueueWorkerGetsThem_onlyUnderInputs() {
        String inputs = "/" + DataBucket.INPUTS_PREFIX + "*";
        for (String handler : List.of("SubmitJobHandler", "UploadHandler", "QueueWorkerHandler")) {
            String role = function(handler).at("/Properties/Role/Fn::GetAtt/0").asText();
            String action = handler.equals("QueueWorkerHandler") ? "s3:GetObject" : "s3:PutObject";
            assertThat(statementsOf(role)).as(handler).anySatisfy(statement -> {
                assertThat(texts(statement.path("Action"))).containsExactly(action);
                assertThat(statement.path("Resource").toString()).contains(inputs);
            });
            assertThat(function(handler).at("/Properties/Environment/Variables/" + Functions.BUCKET).isMissingNode())
                    .as(handler).isFalse();
        }
        String getRole = function("GetJobHandler").at("/Properties/Role/Fn::GetAtt/0").asText();
        assertThat(actionsOf(getRole).stream().filter(a -> a.startsWith("s3:")))
                .containsExactlyInAnyOrder("s3:GetObject", "s3:ListBucket");
        assertThat(resources.path(only(ofType("AWS::S3::Bucket"), "DataBucket"))
                .at("/Properties/LifecycleConfiguration/Rules").toString()).contains("\"Prefix\":\"inputs/\"");
    }

    @Test
    void largeResults_runnersPutThemAndGetReadsThem_onlyUnderResults_andTheyExpire() {
        String results = "/" + DataBucket.RESULTS_PREFIX + "*";
        String workerRole = single("AWS::ECS::TaskDefinition").at("/Properties/TaskRoleArn/Fn::GetAtt/0").asText();
        Map<String, String> roles = Map.of(
                "QueueWorkerHandler", function("QueueWorkerHandler").at("/Properties/Role/Fn::GetAtt/0").asText(),
                "gpu workers", workerRole,
                "GetJobHandler", function("GetJobHandler").at("/Properties/Role/Fn::GetAtt/0").asText());
        roles.forEach((who, role) -> {
            String action = who.equals("GetJobHandler") ? "s3:GetObject" : "s3:PutObject";
            assertThat(statementsOf(role)).as(who).anySatisfy(statement -> {
                assertThat(texts(statement.path("Action"))).contains(action).noneMatch(a -> a.endsWith("*"));
                assertThat(statement.path("Resource").toString()).contains(results);
            });
            // Every s3 statement of these roles names inputs/ or results/, never the whole bucket.
            // (s3:ListBucket, on the bucket itself, is the exception: see readersOfObjects_mayListTheBucket.)
            statementsOf(role).stream().filter(st -> texts(st.path("Action")).stream().anyMatch(a -> a.startsWith("s3:")))
                    .filter(st -> !texts(st.path("Action")).equals(List.of("s3:ListBucket")))
                    .forEach(st -> assertThat(st.path("Resource").toString()).as(who)
                            .containsAnyOf("/" + DataBucket.INPUTS_PREFIX + "*", results));
        });
        assertThat(function("GetJobHandler").at("/Properties/Environment/Variables/" + Functions.BUCKET)
                .isMissingNode()).isFalse();
        assertThat(resources.path(only(ofType("AWS::S3::Bucket"), "DataBucket"))
                .at("/Properties/LifecycleConfiguration/Rules").toString()).contains("\"Prefix\":\"results/\"");
    }

    /**
     * Every role that reads objects may s3:ListBucket on the bucket (and nothing more with it): without it S3 answers
     * a GET of a missing key with 403 AccessDenied, so a gone result would be a 503 forever instead of a 410, a
     * missing input would loop to the DLQ instead of failing input_missing, a deleted upload would be retried.
     */
    @Test
    void readersOfObjects_mayListTheBucket() {
        String workerRole = single("AWS::ECS::TaskDefinition").at("/Properties/TaskRoleArn/Fn::GetAtt/0").asText();
        Map<String, String> readers = Map.of(
                "GetJobHandler", function("GetJobHandler").at("/Properties/Role/Fn::GetAtt/0").asText(),
                "QueueWorkerHandler", function("QueueWorkerHandler").at("/Properties/Role/Fn::GetAtt/0").asText(),
                "UploadHandler", function("UploadHandler").at("/Properties/Role/Fn::GetAtt/0").asText(),
                "gpu workers", workerRole);
        String bucket = only(ofType("AWS::S3::Bucket"), "DataBucket");
        readers.forEach((who, role) -> assertThat(statementsOf(role)).as(who).anySatisfy(statement -> {
            assertThat(texts(statement.path("Action"))).containsExactly("s3:ListBucket");
            assertThat(statement.at("/Resource/Fn::GetAtt/0").asText()).isEqualTo(bucket);
            assertThat(statement.at("/Resource/Fn::GetAtt/1").asText()).isEqualTo("Arn");
        }));
    }

    // ------------------------------------------------------------------------------------------ bucket

    @Test
    void dataBucket_isEncryptedPrivateTlsOnlyVersionedAndExpiresUploads() {
        JsonNode bucket = resources.path(only(ofType("AWS::S3::Bucket"), "DataBucket"));
        JsonNode props = bucket.path("Properties");

        assertThat(props.at("/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault"
                + "/SSEAlgorithm").asText()).isEqualTo("aws:kms");
        for (String flag : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
            assertThat(props.at("/PublicAccessBlockConfiguration/" + flag).asBoolean()).as(flag).isTrue();
        }
        assertThat(props.at("/VersioningConfiguration/Status").asText()).isEqualTo("Enabled");
        assertThat(props.at("/LifecycleConfiguration/Rules").toString()).contains("\"Prefix\":\"uploads/\"",
                "\"ExpirationInDays\":7", "AbortIncompleteMultipartUpload");
        assertThat(props.at("/LoggingConfiguration/DestinationBucketName/Ref").asText()).startsWith("DataAccessLogs");
        ofType("AWS::S3::BucketPolicy").forEach((id, policy) ->
                assertThat(policy.toString()).as(id + " denies plain HTTP").contains("aws:SecureTransport"));
        assertThat(ofType("AWS::S3::BucketPolicy")).hasSize(2);
    }

    // ------------------------------------------------------------------------------------------ gpu workers

    @Test
    void gpuWorkers_scaleFromZeroOnGpuInstancesFromTheSetting() {
        JsonNode group = single("AWS::AutoScaling::AutoScalingGroup");
        assertThat(group.at("/Properties/MinSize").asText()).isEqualTo("0");
        assertThat(group.at("/Properties/MaxSize").asText()).isEqualTo(String.valueOf(Synthesized.SETTINGS.maxWorkers()));
        assertThat(group.at("/Properties/DesiredCapacity").isMissingNode()).isTrue();

        JsonNode launch = single("AWS::EC2::LaunchTemplate").at("/Properties/LaunchTemplateData");
        assertThat(launch.path("InstanceType").asText()).isEqualTo(Synthesized.SETTINGS.instanceType());
        assertThat(launch.path("InstanceType").asText()).matches("g[56].*");
        assertThat(launch.at("/MetadataOptions/HttpTokens").asText()).isEqualTo("required");
        assertThat(launch.at("/BlockDeviceMappings/0/Ebs/Encrypted").asBoolean()).isTrue();
        assertThat(launch.toString()).contains("ECS_ENABLE_GPU_SUPPORT=true");
        // The ECS GPU-optimised AMI, resolved from its public SSM parameter at deploy time.
        String imageParameter = JSON.valueToTree(TEMPLATE.toJSON()).path("Parameters").toString();
        assertThat(imageParameter).contains("/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended");

        JsonNode provider = single("AWS::ECS::CapacityProvider");
        assertThat(provider.at("/Properties/AutoScalingGroupProvider/ManagedScaling/Status").asText())
                .isEqualTo("ENABLED");
    }

    /** No warm pool unless asked for, and the scaler counts on the cold start-up of a new instance. */
    @Test
    void gpuWorkers_haveNoWarmPoolByDefault_andTheScalerCountsOnAColdStart() {
        assertThat(ofType("AWS::AutoScaling::WarmPool")).isEmpty();
        assertThat(single("AWS::EC2::LaunchTemplate").toString()).doesNotContain("ECS_WARM_POOLS_CHECK");
        assertThat(function("ScalerHandler").at("/Properties/Environment/Variables/EBB_SCALE_STARTUP_SECONDS").asText())
                .isEqualTo(String.valueOf(GpuWorkers.COLD_STARTUP_SECONDS));
    }

    /** With warmPool=N: N stopped instances in a warm pool, the agent told, and a shorter start-up for the scaler. */
    @Test
    void gpuWorkers_withAWarmPool_keepStoppedInstancesAndTheAgentWaitsForServiceToRegister() {
        var stack = new software.amazon.awscdk.Stack(new software.amazon.awscdk.App(), "WarmPool",
                software.amazon.awscdk.StackProps.builder().env(software.amazon.awscdk.Environment.builder()
                        .region("us-east-1").build()).build());
        GpuWorkers workers = new GpuWorkers(stack, "GpuWorkers", new GpuWorkers.Props("g5.xlarge", 4,
                Synthesized.SETTINGS.workerDirectory(), java.util.Map.of(), 12 * 1024,
                software.amazon.awscdk.Duration.seconds(120), 2));
        JsonNode warm = JSON.valueToTree(software.amazon.awscdk.assertions.Template.fromStack(stack).toJSON())
                .path("Resources");

        JsonNode pool = null;
        String launch = null;
        for (JsonNode resource : warm) {
            if (resource.path("Type").asText().equals("AWS::AutoScaling::WarmPool")) {
                pool = resource;
            } else if (resource.path("Type").asText().equals("AWS::EC2::LaunchTemplate")) {
                launch = resource.toString();
            }
        }
        assertThat(pool).isNotNull();
        assertThat(pool.at("/Properties/MinSize").asInt()).isEqualTo(2);
        assertThat(pool.at("/Properties/MaxGroupPreparedCapacity").asInt()).isEqualTo(2);
        assertThat(pool.at("/Properties/PoolState").asText()).isEqualTo("Stopped");
        // ECS refuses reuse on scale-in for warm pools.
        assertThat(pool.at("/Properties/InstanceReusePolicy").isMissingNode()).isTrue();
        assertThat(launch).contains("ECS_WARM_POOLS_CHECK=true");
        assertThat(workers.startupSeconds()).isEqualTo(GpuWorkers.WARM_STARTUP_SECONDS);
    }

    /** A container on the bridge network is one hop past the instance: hop limit 1 keeps the instance role away. */
    @Test
    void gpuWorkerContainers_cannotReachTheInstanceMetadataService() {
        JsonNode launch = single("AWS::EC2::LaunchTemplate").at("/Properties/LaunchTemplateData");
        assertThat(launch.at("/MetadataOptions/HttpPutResponseHopLimit").asInt(-1)).isEqualTo(1);
        assertThat(launch.at("/MetadataOptions/HttpTokens").asText()).isEqualTo("required");
    }

    /** Every SDK call a submit makes in a row ends before the submit function's own timeout. */
    @Test
    void submitFunction_sdkCallTimeoutsFitInsideItsLambdaTimeout() {
        int timeout = function("SubmitJobHandler").at("/Properties/Timeout").asInt();
        assertThat(timeout).isEqualTo((int) Deployment.API_FUNCTION_TIMEOUT.toSeconds());
        assertThat(Deployment.SDK_CALL_TIMEOUT.multipliedBy(Deployment.SUBMIT_SEQUENTIAL_CALLS))
                .isLessThanOrEqualTo(java.time.Duration.ofSeconds(timeout));
        assertThat(java.time.Duration.ofSeconds(timeout)).as("the function answers before the gateway gives up")
                .isLessThan(Deployment.API_GATEWAY_INTEGRATION_LIMIT);
    }

    /** As in SAM: the schedule and the submit function's wakes must never run two scalers at once. */
    @Test
    void scaler_hasReservedConcurrencyOne() {
        assertThat(function("ScalerHandler").at("/Properties/ReservedConcurrentExecutions").asInt(-1)).isEqualTo(1);
    }

    /** The IAM4 suppressions say what AWSLambdaBasicExecutionRole grants: log writes on "*", not "its own logs". */
    @Test
    void basicExecutionRoleSuppressions_sayWhatTheManagedPolicyGrants() {
        List<String> reasons = new ArrayList<>();
        ofType("AWS::IAM::Role").values().forEach(role -> role.at("/Metadata/cdk_nag/rules_to_suppress")
                .forEach(rule -> {
                    if (rule.path("id").asText().equals("AwsSolutions-IAM4")
                            && rule.path("applies_to").toString().contains("AWSLambdaBasicExecutionRole")) {
                        reasons.add(rule.path("reason").asText());
                    }
                }));
        assertThat(reasons).hasSizeGreaterThanOrEqualTo(appFunctions().size()).allSatisfy(reason -> assertThat(reason)
                .contains("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "\"*\"")
                .doesNotContain("only lets the function write its own"));
    }

    /** A dead-letter queue takes messages from its own lane queue only (RedriveAllowPolicy byQueue, not allowAll). */
    @Test
    void deadLetterQueues_acceptRedrivesOnlyFromTheirOwnLaneQueue() {
        Map<String, JsonNode> queues = ofType("AWS::SQS::Queue");
        for (Deployment.LaneQueues lane : Deployment.LANES) {
            JsonNode queue = queues.get(only(queues, "Queues" + lane.queue().id()));
            JsonNode dlq = queues.get(only(queues, "Queues" + lane.deadLetters().id()));
            // Named <stack>-<lane>, so that the DLQ can name its source without a cycle.
            String name = queue.at("/Properties/QueueName").asText();
            assertThat(name).as(lane.lane().id()).endsWith("-" + lane.lane().id() + (lane.lane().fifo() ? ".fifo" : ""))
                    .hasSizeGreaterThan(4);
            JsonNode allow = dlq.at("/Properties/RedriveAllowPolicy");
            assertThat(allow.path("redrivePermission").asText()).as(lane.lane().id()).isEqualTo("byQueue");
            assertThat(allow.path("sourceQueueArns")).hasSize(1);
            assertThat(allow.path("sourceQueueArns").toString()).contains(":sqs:", ":" + name + "\"");
        }
    }

    @Test
    void workerTask_asksForOneGpuAndLogsToCloudWatch_andTheServiceStartsAtZero() {
        JsonNode container = single("AWS::ECS::TaskDefinition").at("/Properties/ContainerDefinitions/0");
        assertThat(container.path("ResourceRequirements").toString()).contains("\"Type\":\"GPU\"", "\"Value\":\"1\"");
        assertThat(container.at("/LogConfiguration/LogDriver").asText()).isEqualTo("awslogs");
        assertThat(container.path("User").asText()).isEqualTo(GpuWorkers.WORKER_USER).isNotIn("root", "0");
        assertThat(container.path("Memory").asInt()).isPositive();
        assertThat(container.at("/Image/Fn::Sub").asText()).contains("container-assets");
        assertThat(container.path("Environment").toString()).contains("EBB_LANE", "\"gpu\"", EbbStack.GPU_QUEUE_URL);

        JsonNode service = single("AWS::ECS::Service");
        assertThat(service.at("/Properties/DesiredCount").asInt(-1)).isZero();
        assertThat(service.at("/Properties/CapacityProviderStrategy/0/CapacityProvider").isMissingNode()).isFalse();
    }

    @Test
    void workerTaskRole_hasItsQueueTheJobsTableTheBucketAndItsTaskProtection_andNothingElse() {
        String taskRole = single("AWS::ECS::TaskDefinition").at("/Properties/TaskRoleArn/Fn::GetAtt/0").asText();
        List<JsonNode> statements = statementsOf(taskRole);
        Set<String> targets = new HashSet<>();
        statements.forEach(s -> collectRefs(s.path("Resource"), targets));

        assertThat(targets).allMatch(t -> t.startsWith("QueuesGpuQueue") || t.startsWith("TablesJobs")
                || t.startsWith("TablesTenants") || t.startsWith("TablesCache")
                || t.startsWith("DataBucket") || t.startsWith("GpuWorkersCluster") || t.startsWith("AWS::"),
                "only the gpu queue, the jobs, tenants and cache tables, the data bucket and the cluster's tasks");
        assertThat(targets).anyMatch(t -> t.startsWith("QueuesGpuQueue")).anyMatch(t -> t.startsWith("TablesJobs"))
                .anyMatch(t -> t.startsWith("DataBucket"));
        assertThat(actionsOf(taskRole)).contains("sqs:ReceiveMessage", "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility", "dynamodb:UpdateItem", "s3:GetObject", "s3:PutObject",
                "ecs:UpdateTaskProtection");
    }

    @Test
    void admission_submitReadsTheCacheAndUpdatesTenants_workersWriteTheCache_andNothingMore() {
        for (String handler : List.of("SubmitJobHandler", "UploadHandler", "QueueWorkerHandler")) {
            String role = function(handler).at("/Properties/Role/Fn::GetAtt/0").asText();
            List<JsonNode> tenants = statementsOf(role).stream()
                    .filter(st -> st.path("Resource").toString().contains("TablesTenants")).toList();
            assertThat(tenants).as(handler + " on the tenants table").singleElement().satisfies(st ->
                    assertThat(texts(st.path("Action"))).containsExactlyInAnyOrder("dynamodb:GetItem",
                            "dynamodb:UpdateItem"));
            List<JsonNode> cache = statementsOf(role).stream()
                    .filter(st -> st.path("Resource").toString().contains("TablesCache")).toList();
            assertThat(cache).as(handler + " on the cache table").singleElement().satisfies(st ->
                    assertThat(texts(st.path("Action"))).containsExactly(handler.equals("QueueWorkerHandler")
                            ? "dynamodb:PutItem" : "dynamodb:GetItem"));
        }
        String getRole = function("GetJobHandler").at("/Properties/Role/Fn::GetAtt/0").asText();
        assertThat(statementsOf(getRole)).noneMatch(st -> st.path("Resource").toString().contains("TablesTenants")
                || st.path("Resource").toString().contains("TablesCache"));
    }

    @Test
    void jobsTable_hasTheSparseDeadLetterIndex_andTheScalerReachesOnlyItsStateItem() {
        JsonNode jobs = ofType("AWS::DynamoDB::Table").entrySet().stream()
                .filter(e -> e.getKey().startsWith("TablesJobs")).findFirst().orElseThrow().getValue();
        JsonNode index = jobs.at("/Properties/GlobalSecondaryIndexes/0");
        assertThat(index.path("IndexName").asText()).isEqualTo("deadLettered");
        assertThat(index.at("/KeySchema/0/AttributeName").asText()).isEqualTo("deadLetterLane");
        assertThat(index.at("/KeySchema/1/AttributeName").asText()).isEqualTo("deadLetteredAt");
        assertThat(index.at("/Projection/ProjectionType").asText()).isEqualTo("KEYS_ONLY");

        String scalerRole = ofType("AWS::Lambda::Function").entrySet().stream()
                .filter(e -> e.getValue().at("/Properties/Handler").asText().contains("ScalerHandler"))
                .findFirst().orElseThrow().getValue().at("/Properties/Role/Fn::GetAtt/0").asText();
        List<JsonNode> dynamo = statementsOf(scalerRole).stream()
                .filter(st -> st.path("Action").toString().contains("dynamodb:")).toList();
        // Its state item (PutItem only there); the reconciler: Query on the queued index only, and read and move
        // the queuedAt of the jobs it finds.
        assertThat(dynamo).hasSize(3);
        assertThat(dynamo).filteredOn(st -> st.path("Action").toString().contains("dynamodb:PutItem")).singleElement()
                .satisfies(st -> assertThat(st.at("/Condition/ForAllValues:StringEquals/dynamodb:LeadingKeys")
                        .toString()).contains("scaler#gpu"));
        assertThat(dynamo).filteredOn(st -> st.path("Action").toString().contains("dynamodb:Query")).singleElement()
                .satisfies(st -> assertThat(st.path("Resource").toString()).contains("/index/" + Deployment.QUEUED_INDEX.name())
                        .doesNotContain("index/*"));
        assertThat(actionsOf(scalerRole)).contains("ecs:ListTasks", "ecs:UpdateService", "sqs:GetQueueAttributes")
                .doesNotContain("dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem");
    }

    @Test
    void jobsTable_hasTheKeysOnlyTenantIndex_andOnlyTheListReadsItWithTheItems() {
        JsonNode jobs = ofType("AWS::DynamoDB::Table").entrySet().stream()
                .filter(e -> e.getKey().startsWith("TablesJobs")).findFirst().orElseThrow().getValue();
        JsonNode index = null;
        for (JsonNode i : jobs.at("/Properties/GlobalSecondaryIndexes")) {
            if (i.path("IndexName").asText().equals(Deployment.TENANT_INDEX.name())) {
                index = i;
            }
        }
        assertThat(index).isNotNull();
        assertThat(index.at("/KeySchema/0/AttributeName").asText()).isEqualTo("tenant");
        assertThat(index.at("/KeySchema/1/AttributeName").asText()).isEqualTo("createdAt");
        assertThat(index.at("/Projection/ProjectionType").asText()).isEqualTo("KEYS_ONLY");

        String listRole = function("ListJobsHandler").at("/Properties/Role/Fn::GetAtt/0").asText();
        assertThat(statementsOf(listRole).stream().filter(st -> st.path("Resource").toString().contains("TablesJobs")
                        && st.path("Action").toString().contains("dynamodb:Query")))
                .singleElement().satisfies(st -> assertThat(st.path("Resource").toString())
                        .contains("/index/" + Deployment.TENANT_INDEX.name()));
        assertThat(actionsOf(listRole)).contains("dynamodb:Query", "dynamodb:BatchGetItem")
                .doesNotContain("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                        "s3:PutObject", "s3:GetObject");

        String uploadRole = function("CreateUploadHandler").at("/Properties/Role/Fn::GetAtt/0").asText();
        assertThat(statementsOf(uploadRole).stream().filter(st -> st.path("Action").toString().contains("s3:PutObject")))
                .singleElement().satisfies(st -> assertThat(st.path("Resource").toString())
                        .contains(DataBucket.UPLOADS_PREFIX + "*"));
        assertThat(actionsOf(uploadRole)).doesNotContain("s3:GetObject", "dynamodb:PutItem", "dynamodb:UpdateItem");
    }

    // ------------------------------------------------------------------------------------------ API

    @Test
    void httpApi_routesV1JobsWithThrottlingAndAccessLogs() {
        Set<String> routes = new HashSet<>();
        ofType("AWS::ApiGatewayV2::Route").values().forEach(r -> routes.add(r.at("/Properties/RouteKey").asText()));
        assertThat(routes).containsExactlyInAnyOrder("POST /v1/jobs", "GET /v1/jobs/{id}", "DELETE /v1/jobs/{id}",
                "GET /v1/jobs", "POST /v1/uploads", "POST /v1/sessions/{id}/messages", "GET /v1/sessions/{id}",
                "DELETE /v1/sessions/{id}", "GET /v1/usage");

        JsonNode stage = single("AWS::ApiGatewayV2::Stage").path("Properties");
        assertThat(stage.path("StageName").asText()).isEqualTo("$default");
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingRateLimit").asDouble()).isPositive();
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingBurstLimit").asInt()).isPositive();
        assertThat(stage.at("/AccessLogSettings/DestinationArn").isMissingNode()).isFalse();
        assertThat(stage.at("/AccessLogSettings/Format").asText()).contains("$context.requestId", "$context.status")
                .doesNotContain("authorization");
    }

    // ------------------------------------------------------------------------------------------ observability

    @Test
    void alarms_coverOldestMessageAgeAtThirtyAndOneTwentySecondsDeadLettersAndDepth() {
        List<String> seen = new ArrayList<>();
        ofType("AWS::CloudWatch::Alarm").values().forEach(a -> {
            JsonNode p = a.path("Properties");
            seen.add(p.path("MetricName").asText() + "@" + p.path("Threshold").asText() + " " + dimension(p));
        });

        assertThat(seen).contains(
                "ApproximateAgeOfOldestMessage@30 QueuesGpuQueue", "ApproximateAgeOfOldestMessage@120 QueuesGpuQueue",
                "ApproximateAgeOfOldestMessage@30 QueuesCpuQueue", "ApproximateAgeOfOldestMessage@120 QueuesCpuQueue",
                "ApproximateNumberOfMessagesVisible@1 QueuesGpuDeadLetterQueue",
                "ApproximateNumberOfMessagesVisible@1 QueuesCpuDeadLetterQueue",
                "ApproximateNumberOfMessagesVisible@" + Synthesized.SETTINGS.queueDepthAlarm() + " QueuesGpuQueue",
                "ApproximateNumberOfMessagesVisible@" + Synthesized.SETTINGS.queueDepthAlarm() + " QueuesCpuQueue");
        assertThat(seen).hasSize(12);
        assertThat(ofType("AWS::CloudWatch::Alarm").keySet())
                .anyMatch(id -> id.contains("GpuFailureRate")).anyMatch(id -> id.contains("CpuFailureRate"))
                .anyMatch(id -> id.contains("GpuEndToEndP99")).anyMatch(id -> id.contains("CpuEndToEndP99"));
        String topic = only(ofType("AWS::SNS::Topic"), "ObservabilityAlarmTopic");
        ofType("AWS::CloudWatch::Alarm").forEach((id, a) ->
                assertThat(a.at("/Properties/AlarmActions/0/Ref").asText()).as(id + " notifies").isEqualTo(topic));
    }

    @Test
    void dashboard_showsDepthWorkersPercentilesCacheHitRateAndCost() {
        String body = single("AWS::CloudWatch::Dashboard").at("/Properties/DashboardBody").toString();

        assertThat(body).contains("ApproximateNumberOfMessagesVisible", "RunningTaskCount", "EndToEndMs", "QueueWaitMs",
                "p50", "p95", "p99", "CacheHits", "hits + misses", "1000 * costgpu");
    }

    /**
     * The dashboard and the alarms chart exactly the metrics the code emits: the names in namespace Ebb found in the
     * synthesized dashboard body and alarm definitions are core's one list, no more (a chart of a metric nothing emits)
     * and no fewer (an emitted metric nobody looks at).
     */
    @Test
    void dashboardAndAlarms_chartExactlyTheMetricsCoreEmits() {
        Set<String> charted = new java.util.TreeSet<>();
        String body = single("AWS::CloudWatch::Dashboard").at("/Properties/DashboardBody").toString()
                .replace("\\\"", "\"");
        java.util.regex.Matcher names = java.util.regex.Pattern
                .compile("\\[\"" + Observability.NAMESPACE + "\",\"([A-Za-z]+)\"").matcher(body);
        while (names.find()) {
            charted.add(names.group(1));
        }
        ofType("AWS::CloudWatch::Alarm").values().forEach(alarm -> {
            JsonNode p = alarm.path("Properties");
            if (Observability.NAMESPACE.equals(p.path("Namespace").asText())) {
                charted.add(p.path("MetricName").asText());
            }
            p.path("Metrics").forEach(m -> {
                if (Observability.NAMESPACE.equals(m.at("/MetricStat/Metric/Namespace").asText())) {
                    charted.add(m.at("/MetricStat/Metric/MetricName").asText());
                }
            });
        });

        assertThat(charted).isEqualTo(new java.util.TreeSet<>(dev.ebb.core.metrics.Metric.names()));
        assertThat(Synthesized.STACK.observability().chartedMetrics()).isEqualTo(charted);
    }

    // ------------------------------------------------------------------------------------------ IAM

    @Test
    void iamPolicies_haveNoWildcardActionsOnDataResources() {
        Set<String> data = new HashSet<>();
        for (String type : List.of("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket")) {
            data.addAll(ofType(type).keySet());
        }
        List<String> offending = new ArrayList<>();
        ofType("AWS::IAM::Policy").forEach((id, policy) -> policy.at("/Properties/PolicyDocument/Statement")
                .forEach(statement -> {
                    Set<String> targets = new HashSet<>();
                    collectRefs(statement.path("Resource"), targets);
                    targets.retainAll(data);
                    List<String> actions = texts(statement.path("Action"));
                    if (!targets.isEmpty() && actions.stream().anyMatch(a -> a.contains("*"))) {
                        offending.add(id + " " + actions + " on " + targets);
                    }
                }));
        assertThat(offending).isEmpty();
        TEMPLATE.resourcePropertiesCountIs("AWS::IAM::Policy", Match.objectLike(Map.of("PolicyDocument",
                Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of("Action", "*"))))))), 0);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static Map<String, JsonNode> ofType(String type) {
        Map<String, JsonNode> found = new TreeMap<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                found.put(e.getKey(), e.getValue());
            }
        });
        return found;
    }

    private static JsonNode single(String type) {
        Map<String, JsonNode> found = ofType(type);
        assertThat(found).as(type).hasSize(1);
        return found.values().iterator().next();
    }

    /** The one logical id among {@code found} that starts with {@code prefix}. */
    private static String only(Map<String, JsonNode> found, String prefix) {
        List<String> ids = found.keySet().stream().filter(id -> id.startsWith(prefix)).toList();
        assertThat(ids).as(prefix).hasSize(1);
        return ids.get(0);
    }

    /** The application's functions (not CDK's own helper functions), by logical id. */
    private static Map<String, JsonNode> appFunctions() {
        Map<String, JsonNode> found = new TreeMap<>();
        ofType("AWS::Lambda::Function").forEach((id, fn) -> {
            if (fn.at("/Properties/Handler").asText().startsWith(Functions.HANDLER_PACKAGE)) {
                found.put(id, fn);
            }
        });
        return found;
    }

    private static JsonNode function(String handlerClass) {
        List<JsonNode> found = appFunctions().values().stream().filter(fn -> fn.at("/Properties/Handler").asText()
                .equals(Functions.HANDLER_PACKAGE + handlerClass + "::handleRequest")).toList();
        assertThat(found).as(handlerClass).hasSize(1);
        return found.get(0);
    }

    private static String logicalId(JsonNode resource) {
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) resources::fields) {
            if (e.getValue() == resource) {
                return e.getKey();
            }
        }
        throw new AssertionError("not in the template");
    }

    /** The function logical id behind an alias logical id. */
    private static String aliasOwner(String aliasId) {
        return resources.at("/" + aliasId + "/Properties/FunctionName/Ref").asText();
    }

    /** The function an event source mapping invokes (its FunctionName is "function:alias"). */
    private static String aliasTarget(JsonNode mapping) {
        Set<String> refs = new HashSet<>();
        collectRefs(mapping.at("/Properties/FunctionName"), refs);
        assertThat(refs).hasSize(1);
        String ref = refs.iterator().next();
        String owner = aliasOwner(ref);
        return owner.isEmpty() ? ref : owner;
    }

    private static JsonNode mappingOf(String queueId) {
        List<JsonNode> found = ofType("AWS::Lambda::EventSourceMapping").values().stream()
                .filter(m -> m.at("/Properties/EventSourceArn/Fn::GetAtt/0").asText().equals(queueId)).toList();
        assertThat(found).as("event source mapping of " + queueId).hasSize(1);
        return found.get(0);
    }

    private static List<JsonNode> statementsOf(String roleId) {
        List<JsonNode> statements = new ArrayList<>();
        ofType("AWS::IAM::Policy").values().forEach(policy -> {
            Set<String> roles = new HashSet<>();
            collectRefs(policy.at("/Properties/Roles"), roles);
            if (roles.contains(roleId)) {
                policy.at("/Properties/PolicyDocument/Statement").forEach(statements::add);
            }
        });
        return statements;
    }

    private static List<String> actionsOf(String roleId) {
        List<String> actions = new ArrayList<>();
        statementsOf(roleId).forEach(s -> actions.addAll(texts(s.path("Action"))));
        return actions;
    }

    private static void collectRefs(JsonNode node, Set<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("Ref")) {
                    into.add(e.getValue().asText());
                } else if (e.getKey().equals("Fn::GetAtt")) {
                    into.add(e.getValue().get(0).asText());
                } else {
                    collectRefs(e.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, into));
        }
    }

    private static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }

    private static String hashKey(Map<String, JsonNode> tables, String prefix) {
        JsonNode table = tables.get(only(tables, prefix));
        for (JsonNode key : table.at("/Properties/KeySchema")) {
            if (key.path("KeyType").asText().equals("HASH")) {
                return key.path("AttributeName").asText();
            }
        }
        throw new AssertionError("no hash key");
    }

    private static String dimension(JsonNode alarm) {
        Set<String> refs = new HashSet<>();
        collectRefs(alarm.path("Dimensions"), refs);
        return refs.stream().map(r -> r.replaceAll("[0-9A-F]{8}$", "")).findFirst().orElse("");
    }
}
