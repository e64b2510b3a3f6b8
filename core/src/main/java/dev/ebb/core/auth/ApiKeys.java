package dev.ebb.core.auth;

import dev.ebb.core.Digests;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * API keys: {@code ebb_} and 40 random base62 characters (~238 bits). Only a SHA-256 of a key is stored; with that
 * much entropy a fast unsalted hash is safe, and it lets the key itself be the lookup.
 */
public final class ApiKeys {
    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final Pattern SHAPE = Pattern.compile("ebb_[0-9A-Za-z]{40}");
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    public static String newKey() {
        StringBuilder key = new StringBuilder("ebb_");
        for (int i = 0; i < 40; i++) {
            key.append(BASE62[RANDOM.nextInt(BASE62.length)]);
        }
        return key.toString();
    }

    /** Cheap check before any lookup: a string of another shape is never a key. */
    public static boolean hasKeyShape(String candidate) {
        return candidate != null && SHAPE.matcher(candidate).matches();
    }

    public static String hash(String key) {
        return HexFormat.of().formatHex(Digests.sha256(key));
    }

    public static boolean isValidTenant(String tenant) {
        return tenant != null && TENANT.matcher(tenant).matches();
    }

    public static String describeTenantRule() {
        return "1 to 63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit";
    }
}
