package dev.ebb.core.cache;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Env;
import dev.ebb.core.config.SettingsException;
import java.util.Map;

/**
 * The semantic cache's settings, read once from the environment; a bad value fails start-up naming its variable.
 *
 * @param threshold the cosine similarity from which an earlier answer is given ({@code EBB_SEMANTIC_THRESHOLD},
 *                  default {@link SemanticCache#DEFAULT_THRESHOLD}; 0.5 to 1: below 0.5 texts that merely share a
 *                  topic would answer each other, which is not a cache but a guess)
 * @param sample    the fraction of semantic hits run again in the background and compared with the cached answer
 *                  ({@code EBB_SEMANTIC_SAMPLE}, default 0.05, 0 to 1; 0 measures nothing)
 * @param entries   entries kept per partition in each worker's index ({@code EBB_SEMANTIC_ENTRIES}, default 1,000;
 *                  0 switches the semantic cache off)
 */
public record SemanticSettings(double threshold, double sample, int entries) {
    public static final String THRESHOLD = Deployment.SEMANTIC_THRESHOLD.name();
    public static final String SAMPLE = Deployment.SEMANTIC_SAMPLE.name();
    public static final String ENTRIES = Deployment.SEMANTIC_ENTRIES.name();
    /** The lowest threshold a deployment may set. */
    public static final double MIN_THRESHOLD = 0.5;
    public static final SemanticSettings DEFAULTS = new SemanticSettings(SemanticCache.DEFAULT_THRESHOLD, 0.05, 1_000);

    public SemanticSettings {
        if (!(threshold >= MIN_THRESHOLD && threshold <= 1)) {
            throw new SettingsException(THRESHOLD + " must be from " + MIN_THRESHOLD + " to 1, not " + threshold);
        }
        if (!(sample >= 0 && sample <= 1)) {
            throw new SettingsException(SAMPLE + " must be from 0 to 1, not " + sample);
        }
        if (entries < 0) {
            throw new SettingsException(ENTRIES + " must be 0 or more, not " + entries);
        }
    }

    public static SemanticSettings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        return new SemanticSettings(env.decimal(THRESHOLD, DEFAULTS.threshold(), MIN_THRESHOLD, 1),
                env.decimal(SAMPLE, DEFAULTS.sample(), 0, 1),
                env.integer(ENTRIES, DEFAULTS.entries(), 0, 1_000_000));
    }

    /** Whether the semantic cache is on at all. */
    public boolean enabled() {
        return entries > 0;
    }
}
