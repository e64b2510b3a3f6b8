package dev.ebb.core.job;

import dev.ebb.core.Digests;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Job ids: {@code j_} and 26 characters of lower-case Crockford base32 (130 bits). Random for a plain submit;
 * derived from (tenant, idempotency key) when the client gives one, so that a replay maps to the same item
 * and one conditional put decides which request created it.
 */
public final class JobIds {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final Pattern VALID = Pattern.compile("j_[0-9a-hjkmnp-tv-z]{26}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {
    }

    public static String random() {
        byte[] bytes = new byte[17];
        RANDOM.nextBytes(bytes);
        return encode(bytes);
    }

    public static String fromIdempotencyKey(String tenant, String idempotencyKey) {
        return encode(Digests.sha256("idempotency\0" + tenant + "\0" + idempotencyKey));
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** The first 130 bits of {@code bytes} as 26 base32 characters. */
    private static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder(28).append("j_");
        int buffer = 0;
        int bits = 0;
        int index = 0;
        while (out.length() < 28) {
            if (bits < 5) {
                buffer = (buffer << 8) | (bytes[index++] & 0xff);
                bits += 8;
            }
            out.append(ALPHABET[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
        return out.toString();
    }
}
