package dev.ebb.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Digests;
import dev.ebb.core.Json;
import dev.ebb.core.task.TaskSpec;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The exact cache's key: a SHA-256 of the scope (the tenant, or {@code public} for a public model's result where
 * sharing is switched on), the task, the model and its version ({@link TaskSpec#modelVersion}), and the canonical
 * input (which holds every parameter that changes the answer, in canonical form). The submit side and the worker
 * compute it from the same values: the request's canonical input is what the job stores and the message carries.
 */
public final class CacheKeys {
    /** Bumped when the key's layout changes, so old entries are simply never found again. */
    private static final String LAYOUT = "k1";

    private final boolean sharePublic;

    /** @param sharePublic whether results of public models are shared by all tenants (EBB_CACHE_SHARE_PUBLIC) */
    public CacheKeys(boolean sharePublic) {
        this.sharePublic = sharePublic;
    }

    /** The key of a job's answer, or empty where the task's answer for this input may not be cached. */
    public Optional<String> keyOf(String tenant, TaskSpec task, String model, JsonNode canonicalInput) {
        if (canonicalInput == null || !task.cacheable(canonicalInput)) {
            return Optional.empty();
        }
        String scope = sharePublic && task.publicModel(model) ? "public" : "tenant:" + tenant;
        String text = LAYOUT + "\0" + scope + "\0" + task.name() + "\0" + (model == null ? "" : model) + "\0"
                + task.modelVersion(model) + "\0" + Json.write(canonicalInput);
        return Optional.of(HexFormat.of().formatHex(Digests.sha256(text)));
    }

    public boolean sharePublic() {
        return sharePublic;
    }
}
