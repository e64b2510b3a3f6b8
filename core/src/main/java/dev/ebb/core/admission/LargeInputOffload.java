package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.Limits;
import dev.ebb.core.store.ObjectStore;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * An input over {@code EBB_LARGE_INPUT_BYTES} goes to the object store before its job exists, so no message can
 * name an object that is not there yet; the job and its message carry the key. Last of all steps: only a request
 * that will be queued writes an object. A store that does not answer is a {@code 503}: nothing was accepted.
 */
final class LargeInputOffload implements AdmissionStep {
    private static final Logger log = LoggerFactory.getLogger(LargeInputOffload.class);

    private final ObjectStore objects;
    private final Limits limits;

    LargeInputOffload(ObjectStore objects, Limits limits) {
        this.objects = objects;
        this.limits = limits;
    }

    @Override
    public Stage stage() {
        return Stage.PREPARE;
    }

    @Override
    public Decision admit(Admission submit) {
        if (submit.inputBytes() <= limits.inlineInputBytes()) {
            return Decision.pass();
        }
        String key = inputKey(submit.tenant(), submit.jobId(), submit.requestHash());
        try {
            objects.put(key, submit.inputJson().getBytes(StandardCharsets.UTF_8));
        } catch (SdkException e) {
            log.error("input put failed for jobId={} key={}: {}", submit.jobId(), key, e.toString());
            return Decision.reject(ApiException.unavailable("object_store_unavailable",
                    "the object store is not reachable; the job was not accepted, retry later", 5));
        }
        submit.inputRef(key);
        return Decision.pass();
    }

    /** The object-store key of a large input: {@code inputs/<tenant>/<jobId>/<requestHash>.json}. */
    static String inputKey(String tenant, String jobId, String requestHash) {
        return "inputs/" + tenant + "/" + jobId + "/" + requestHash + ".json";
    }
}
