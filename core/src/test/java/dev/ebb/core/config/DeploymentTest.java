package dev.ebb.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.job.DeadLetterIndex;
import dev.ebb.core.task.Lane;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;

class DeploymentTest {
    /** A whole EBB_ name; a prefix such as {@code EBB_SCALE_*} or {@code "EBB_SCALE_"} is not one. */
    private static final Pattern NAME = Pattern.compile("\\bEBB_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_*])");
    private static final Path ROOT = Path.of("..");

    @Test
    void variables_listsEveryVariableConstantOnceAndNamesAreUnique() throws IllegalAccessException {
        List<Deployment.Variable> constants = new ArrayList<>();
        for (Field field : Deployment.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == Deployment.Variable.class) {
                constants.add((Deployment.Variable) field.get(null));
            }
        }
        assertThat(Deployment.VARIABLES).containsExactlyInAnyOrderElementsOf(constants);
        assertThat(Deployment.VARIABLES.stream().map(Deployment.Variable::name).distinct())
                .hasSize(Deployment.VARIABLES.size());
        Deployment.VARIABLES.forEach(v -> assertThat(Deployment.variable(v.name())).contains(v));
        assertThat(Deployment.variable("EBB_" + "NOT_A_SETTING")).isEmpty();
    }

    /**
     * Every EBB_ name the code, the templates, the scripts and the docs mention is one of the catalogue's: a name read
     * or set anywhere else is a fact kept outside the one list.
     */
    @Test
    void everyEbbNameInTheRepository_isACataloguedVariable() throws IOException {
        Map<String, Set<String>> unknown = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(ROOT)) {
            files = walk.filter(Files::isRegularFile).filter(DeploymentTest::isSource).toList();
        }
        assertThat(files).as("the repository's sources, read from " + ROOT.toAbsolutePath())
                .anyMatch(f -> f.endsWith("template.yaml"));
        for (Path file : files) {
            Matcher m = NAME.matcher(Files.readString(file));
            while (m.find()) {
                if (Deployment.variable(m.group()).isEmpty()) {
                    unknown.computeIfAbsent(m.group(), k -> new TreeSet<>()).add(ROOT.relativize(file).toString());
                }
            }
        }
        assertThat(unknown).as("EBB_ names that dev.ebb.core.config.Deployment does not list").isEmpty();
    }

    @Test
    void settingsClasses_readTheCataloguesNames() {
        assertThat(Settings.JOBS_TABLE).isEqualTo(Deployment.JOBS.nameVariable().name()).isEqualTo("EBB_JOBS_TABLE");
        assertThat(Settings.KEYS_TABLE).isEqualTo(Deployment.KEYS.nameVariable().name());
        assertThat(Settings.GPU_QUEUE_URL).isEqualTo(Deployment.lane(Lane.GPU).urlVariable().name());
        assertThat(Settings.CPU_QUEUE_URL).isEqualTo(Deployment.lane(Lane.CPU).urlVariable().name());
        assertThat(Settings.LLM_QUEUE_URL).isEqualTo(Deployment.lane(Lane.LLM).urlVariable().name());
        Settings settings = Settings.fromEnv(Map.of(Settings.GPU_QUEUE_URL, "g", Settings.CPU_QUEUE_URL, "c",
                Settings.LLM_QUEUE_URL, "l.fifo"));
        assertThat(settings.jobsTable()).isEqualTo(Deployment.JOBS.defaultName());
        assertThat(settings.keysTable()).isEqualTo(Deployment.KEYS.defaultName());
        assertThat(settings.queueUrls()).containsOnlyKeys(Lane.values());
        // The llm lane's queue is optional (the gpu worker and the scaler have no llm work).
        assertThat(Settings.fromEnv(Map.of(Settings.GPU_QUEUE_URL, "g", Settings.CPU_QUEUE_URL, "c")).queueUrls())
                .containsOnlyKeys(Lane.GPU, Lane.CPU);
    }

    @Test
    void lanes_eachHaveAQueueAndADeadLetterQueueEverywhere() {
        assertThat(Deployment.LANES).extracting(Deployment.LaneQueues::lane).containsExactly(Lane.values());
        for (Deployment.LaneQueues lane : Deployment.LANES) {
            String fifo = lane.lane().fifo() ? ".fifo" : "";
            assertThat(lane.queue().defaultName()).isEqualTo("ebb-" + lane.lane().id() + fifo);
            assertThat(lane.deadLetters().defaultName()).isEqualTo("ebb-" + lane.lane().id() + "-dlq" + fifo);
            assertThat(lane.queue().fifo()).isEqualTo(lane.lane().fifo());
            assertThat(lane.deadLetters().fifo()).isEqualTo(lane.lane().fifo());
            assertThat(lane.queue().targets()).containsExactlyInAnyOrder(Deployment.Target.values());
            assertThat(lane.deadLetters().targets()).containsExactlyInAnyOrder(Deployment.Target.values());
            assertThat(lane.urlVariable().source()).isEqualTo(Deployment.Source.RESOURCE);
        }
        assertThat(Deployment.queues(Deployment.Target.LOCAL)).hasSize(2 * Lane.values().length);
        assertThat(Deployment.queues(Deployment.Target.CDK)).contains(Deployment.UPLOAD_FAILURES);
        assertThat(Deployment.QUEUES.stream().map(Deployment.QueueSpec::id).distinct()).hasSize(Deployment.QUEUES.size());
    }

    @Test
    void tables_haveTheirNameVariableTtlAndTheJobsTableTheDeadLetterIndex() {
        assertThat(Deployment.TABLES).extracting(Deployment.TableSpec::id).containsExactly("Jobs", "Keys", "Sessions", "Cache", "Tenants");
        assertThat(Deployment.SESSIONS.hashKey()).isEqualTo("sessionKey");
        Deployment.TABLES.forEach(t -> {
            assertThat(t.ttlAttribute()).isEqualTo(Deployment.TTL_ATTRIBUTE);
            assertThat(t.nameVariable().source()).isEqualTo(Deployment.Source.RESOURCE);
        });
        assertThat(Deployment.JOBS.keyAttributes()).containsExactly(
                Map.entry("jobId", Deployment.AttributeType.S),
                Map.entry("deadLetterLane", Deployment.AttributeType.S),
                Map.entry("deadLetteredAt", Deployment.AttributeType.N),
                Map.entry("tenant", Deployment.AttributeType.S),
                Map.entry("createdAt", Deployment.AttributeType.N),
                Map.entry("queuedLane", Deployment.AttributeType.S),
                Map.entry("queuedAt", Deployment.AttributeType.N));
        assertThat(dev.ebb.core.job.QueuedIndex.definition().indexName()).isEqualTo(Deployment.QUEUED_INDEX.name());
        // The SDK-shaped index of the job store is the catalogue's.
        assertThat(DeadLetterIndex.definition().indexName()).isEqualTo(Deployment.DEAD_LETTER_INDEX.name());
        assertThat(DeadLetterIndex.attributeDefinitions()).extracting(AttributeDefinition::attributeName,
                        AttributeDefinition::attributeTypeAsString)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("deadLetterLane", "S"),
                        org.assertj.core.groups.Tuple.tuple("deadLetteredAt", "N"));
    }

    private static boolean isSource(Path file) {
        String path = file.toString().replace('\\', '/');
        if (path.contains("/target/") || path.contains("/node_modules/") || path.contains("/.git/")
                || path.contains("/cdk.out/") || path.contains("/.ebb/")) {
            return false;
        }
        String name = file.getFileName().toString();
        return name.endsWith(".java") || name.endsWith(".xml") || name.endsWith(".yaml") || name.endsWith(".yml")
                || name.endsWith(".md") || name.endsWith(".sh") || name.endsWith(".json") || name.equals("Dockerfile")
                || name.equals("ebb");
    }
}
