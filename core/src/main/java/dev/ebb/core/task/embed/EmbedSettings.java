package dev.ebb.core.task.embed;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Env;
import java.util.Map;

/**
 * Limits of the embedding tasks, read by the submit side: how many texts one job may carry (an {@code embed} list,
 * or a {@code classify} text plus its labels' examples).
 *
 * <p>The ceiling of 32 keeps a finished job inside DynamoDB's 400 KB item: 32 vectors of 384 floats are ~150 KB of
 * JSON, beside an input of up to 200 KB. A job that cannot be written when it finishes would be retried forever.
 */
public record EmbedSettings(int maxTextsPerJob) {
    public static final String MAX_TEXTS_PER_JOB = Deployment.MAX_TEXTS_PER_JOB.name();
    public static final int CEILING = 32;
    public static final EmbedSettings DEFAULTS = new EmbedSettings(CEILING);

    public static EmbedSettings fromEnv(Map<String, String> vars) {
        return new EmbedSettings(new Env(vars).integer(MAX_TEXTS_PER_JOB, CEILING, 1, CEILING));
    }
}
