package dev.ebb.core.task.chat;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Env;
import dev.ebb.core.config.SettingsException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chat task's settings, read once from the environment ({@link Deployment}'s {@code EBB_CHAT_*} and
 * {@code EBB_SESSION_TTL_SECONDS}); a bad value fails start-up naming its variable.
 *
 * @param defaultModel     the Bedrock model id a turn uses when it names none
 * @param models           the model ids a turn may name (the default among them), in order
 * @param maxTokens        the most output tokens a turn may ask for
 * @param defaultMaxTokens what a turn that asks for none gets
 * @param maxTemperature   the highest temperature a turn may ask for
 * @param historyTokens    the budget of (estimated) tokens of earlier turns sent with a turn
 * @param cacheMinTokens   from this many (estimated) tokens of stable prefix on, a cachePoint follows it; 0: never
 * @param prices           USD per million tokens by model id
 * @param sessionTtl       how long a session lives after its last turn
 */
public record ChatSettings(String defaultModel, List<String> models, int maxTokens, int defaultMaxTokens,
                           double maxTemperature, int historyTokens, int cacheMinTokens, Map<String, Price> prices,
                           Duration sessionTtl) {
    /** Amazon Nova Micro: on-demand in most regions, supports prompt caching. */
    public static final String DEFAULT_MODEL = Deployment.DEFAULT_CHAT_MODELS.getFirst();
    public static final List<String> DEFAULT_MODELS = Deployment.DEFAULT_CHAT_MODELS;
    // The names this reads (the templates' tests hold the functions' environment to such constants).
    public static final String MODEL = Deployment.CHAT_MODEL.name();
    public static final String MODELS = Deployment.CHAT_MODELS.name();
    public static final String MAX_TOKENS = Deployment.CHAT_MAX_TOKENS.name();
    public static final String MAX_TEMPERATURE = Deployment.CHAT_MAX_TEMPERATURE.name();
    public static final String HISTORY_TOKENS = Deployment.CHAT_HISTORY_TOKENS.name();
    public static final String CACHE_MIN_TOKENS = Deployment.CHAT_CACHE_MIN_TOKENS.name();
    public static final String PRICES = Deployment.CHAT_PRICES.name();
    public static final String SESSION_TTL_SECONDS = Deployment.SESSION_TTL_SECONDS.name();
    /**
     * On-demand prices in us-east-1 as published when this was written (USD per million tokens: input, output,
     * cache read, cache write). Check the Bedrock price list and set {@code EBB_CHAT_PRICES} for yours.
     */
    public static final String DEFAULT_PRICES =
            "amazon.nova-micro-v1:0=0.035/0.14/0.00875/0;amazon.nova-lite-v1:0=0.06/0.24/0.015/0";

    /** A model's price: USD per million tokens of each kind. */
    public record Price(double input, double output, double cacheRead, double cacheWrite) {
        public static final Price UNKNOWN = new Price(0, 0, 0, 0);

        /** The cost of {@code usage} in USD. */
        public double cost(Usage usage) {
            return (usage.inputTokens() * input + usage.outputTokens() * output
                    + usage.cacheReadTokens() * cacheRead + usage.cacheWriteTokens() * cacheWrite) / 1_000_000.0;
        }
    }

    public ChatSettings {
        models = List.copyOf(models);
        prices = Map.copyOf(prices);
    }

    public static ChatSettings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        String defaultModel = env.string(Deployment.CHAT_MODEL.name(), DEFAULT_MODEL);
        Set<String> models = new LinkedHashSet<>();
        models.add(defaultModel);
        String listed = env.string(Deployment.CHAT_MODELS.name(), null);
        for (String model : listed == null ? DEFAULT_MODELS : List.of(listed.split(","))) {
            if (!model.isBlank()) {
                models.add(model.strip());
            }
        }
        int maxTokens = env.integer(Deployment.CHAT_MAX_TOKENS.name(), 1024, 1, 100_000);
        return new ChatSettings(defaultModel, new ArrayList<>(models), maxTokens, Math.min(512, maxTokens),
                env.decimal(Deployment.CHAT_MAX_TEMPERATURE.name(), 1.0, 0.0, 1.0),
                env.integer(Deployment.CHAT_HISTORY_TOKENS.name(), 4000, 0, 1_000_000),
                env.integer(Deployment.CHAT_CACHE_MIN_TOKENS.name(), 1024, 0, 1_000_000),
                prices(env.string(Deployment.CHAT_PRICES.name(), DEFAULT_PRICES)),
                env.seconds(Deployment.SESSION_TTL_SECONDS.name(), Duration.ofDays(1)));
    }

    /** The price of {@code model}; a model without one costs 0 (and the result says the price is unknown). */
    public Price price(String model) {
        return prices.getOrDefault(model, Price.UNKNOWN);
    }

    /** {@code model=in/out/cacheRead/cacheWrite;...} */
    static Map<String, Price> prices(String text) {
        Map<String, Price> prices = new LinkedHashMap<>();
        for (String entry : text.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            String[] parts = eq < 0 ? new String[0] : entry.substring(eq + 1).split("/");
            if (eq <= 0 || parts.length != 4) {
                throw new SettingsException(Deployment.CHAT_PRICES + ": '" + entry.strip() + "' is not"
                        + " model=input/output/cacheRead/cacheWrite (USD per million tokens)");
            }
            try {
                double[] p = new double[4];
                for (int i = 0; i < 4; i++) {
                    p[i] = Double.parseDouble(parts[i].strip());
                    if (!(p[i] >= 0) || Double.isInfinite(p[i])) {
                        throw new NumberFormatException();
                    }
                }
                prices.put(entry.substring(0, eq).strip(), new Price(p[0], p[1], p[2], p[3]));
            } catch (NumberFormatException e) {
                throw new SettingsException(Deployment.CHAT_PRICES + ": '" + entry.strip() + "' has a price that is"
                        + " not a non-negative number");
            }
        }
        return prices;
    }
}
