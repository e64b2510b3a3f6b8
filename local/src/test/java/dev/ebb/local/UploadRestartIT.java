package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.EbbClient;
import static dev.ebb.local.UploadIT.finishedJobOf;
import static dev.ebb.local.UploadIT.jobsOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.local.cloud.LocalCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** Uploads across a stop of the whole local cloud: none is lost, none is handed over twice. */
class UploadRestartIT {

    @Test
    void anUploadThatLandsWhileTheCloudIsDown_becomesOneJobWhenItStartsAgain() throws Exception {
        Path data = Files.createTempDirectory("ebb-upload-restart-");
        LocalRuntime.Options noWorkers = new LocalRuntime.Options(data, "127.0.0.1", 0, 0, 0, 0, 1, Map.of());
        String apiKey;
        String before = "uploads/restarts/math/before.txt";
        String whileDown = "uploads/restarts/math/while-down.txt";
        try (LocalRuntime first = LocalRuntime.start(noWorkers)) {
            apiKey = first.keys().create("restarts");
            EbbClient client = new EbbClient(first.apiEndpoint(), apiKey);
            first.cloud().s3Client().putObject(r -> r.bucket("ebb-data").key(before),
                    RequestBody.fromString("What is 5 plus 5?"));
            assertThat(finishedJobOf(client, before).path("status").asText()).isEqualTo("SUCCEEDED");
        }
        // Ebb is down; only its object store runs, and a file lands in it.
        try (LocalCloud storeOnly = new LocalCloud(LocalCloud.Config.builder().dataDir(data).sqsPort(0)
                .dynamoDbPort(0).build()).start()) {
            storeOnly.s3Client().putObject(r -> r.bucket("ebb-data").key(whileDown),
                    RequestBody.fromString("What is 7 plus 7?"));
        }
        try (LocalRuntime second = LocalRuntime.start(noWorkers)) {
            EbbClient client = new EbbClient(second.apiEndpoint(), apiKey);
            assertThat(finishedJobOf(client, whileDown).path("result").path("text").asText()).isEqualTo("7 plus 7 = 14");
            // The object handled before the stop was not handed over again: still one job for it.
            assertThat(jobsOf(client, before)).hasSize(1);
            assertThat(jobsOf(client, whileDown)).hasSize(1);
        }
    }

}
