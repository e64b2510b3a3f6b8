package dev.ebb.core.admission;

import dev.ebb.core.Digests;
import dev.ebb.core.job.JobIds;
import java.util.HexFormat;

/**
 * The job's identity: a random id, or one derived from the tenant and the idempotency key, so that the conditional
 * create itself decides which request made the job (a replay finds it; a different request under the same key is
 * told apart by the request hash and refused at create with {@code 409}).
 */
final class Idempotency implements AdmissionStep {

    @Override
    public Decision admit(Admission submit) {
        String key = submit.request().idempotencyKey();
        String jobId = key == null ? JobIds.random() : JobIds.fromIdempotencyKey(submit.tenant(), key);
        submit.identity(jobId, requestHash(submit.task().name(), submit.request().model(), submit.inputJson()));
        return Decision.pass();
    }

    static String requestHash(String task, String model, String inputJson) {
        byte[] digest = Digests.sha256(task + "\0" + (model == null ? "" : model) + "\0" + inputJson);
        return HexFormat.of().formatHex(digest, 0, 16);
    }
}
